/**
 * Whether a listener can carry Beats now: the outcome of its last handshake, or of a probe
 * (probeTunnel) when no tunnel opened recently. Probes run every `probeIntervalMs` only while no
 * handshake succeeded within the last interval, so a busy device adds no load; 0 turns them off.
 * The first probe comes one interval after start: until then, or until the first Beats
 * connection, the listener is not ready, since nothing has shown that a tunnel opens.
 */
import type { FailureReport } from './handshake-failures.ts';
import type { DialEdge } from './tunnel/dial-edge.ts';
import { probeTunnel, type ProbeResult } from './tunnel/probe-tunnel.ts';

/** What decided the listener's readiness last. */
export type ReadinessVia = 'handshake' | 'probe' | 'start_check';

export type ListenerReadiness =
  | { readonly name: string; readonly ready: true; readonly via: ReadinessVia; readonly at: string }
  | ({
      readonly name: string;
      readonly ready: false;
      readonly via: ReadinessVia;
      readonly at: string;
      /** The answer's HTTP status (`status` in /readyz is the kit's ready or not_ready). */
      readonly httpStatus?: number;
    } & Omit<FailureReport, 'status'>)
  | { readonly name: string; readonly ready: false; readonly via: null; readonly message: string };

export interface ReadinessOptions {
  readonly name: string;
  readonly dial: DialEdge;
  readonly probeIntervalMs: number;
  readonly now: () => number;
  /** Every probe's result, for metrics and logs. */
  readonly onProbe: (result: ProbeResult) => void;
  /** Called when the listener turns ready or not ready. */
  readonly onChange: (state: ListenerReadiness) => void;
  /** Runs `tick` every `ms` and returns its stop; a test drives the ticks itself. */
  readonly schedule?: (tick: () => void, ms: number) => () => void;
}

function everyInterval(tick: () => void, ms: number): () => void {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
}

const NOT_TRIED = 'no tunnel opened yet: waiting for a Beats connection or the first probe';

export function createListenerReadiness(options: ReadinessOptions) {
  const { name, now, probeIntervalMs } = options;
  let state: ListenerReadiness = { name, ready: false, via: null, message: NOT_TRIED };
  let lastSuccessAt = -Infinity;
  let probing = false;
  let unschedule: (() => void) | undefined;
  const stopping = new AbortController();

  function record(next: ListenerReadiness) {
    const changed = next.ready !== state.ready;
    state = next;
    if (changed) options.onChange(next);
  }
  function succeeded(via: ReadinessVia) {
    lastSuccessAt = now();
    record({ name, ready: true, via, at: new Date(lastSuccessAt).toISOString() });
  }
  function failed(report: FailureReport, via: ReadinessVia) {
    // Giving a handshake up (Beats left, shutdown) says nothing about the chain.
    if (report.code === 'ERR_HANDSHAKE_ABORTED') return;
    const { status, ...rest } = report;
    const at = new Date(now()).toISOString();
    record({ name, ready: false, via, at, ...rest, ...(status ? { httpStatus: status } : {}) });
  }

  async function readinessOnTick() {
    if (probing || now() - lastSuccessAt < probeIntervalMs) return;
    probing = true;
    try {
      const result = await probeTunnel(options.dial, { signal: stopping.signal, now });
      if (stopping.signal.aborted) return;
      options.onProbe(result);
      if (result.ok) succeeded('probe');
      else failed(result, 'probe');
    } finally {
      probing = false;
    }
  }

  return {
    get state(): ListenerReadiness {
      return state;
    },
    succeeded,
    failed,
    /** Starts the periodic probe (when the interval is not 0). */
    start(): void {
      if (probeIntervalMs <= 0 || unschedule) return;
      const schedule = options.schedule ?? everyInterval;
      unschedule = schedule(() => void readinessOnTick(), probeIntervalMs);
    },
    /** Stops probing and gives up a probe in flight. */
    stop(): void {
      unschedule?.();
      stopping.abort();
    },
  };
}

export type ReadinessTracker = ReturnType<typeof createListenerReadiness>;

/** The client's readiness for /readyz: every listener ready, else the first one that is not. */
export function summarizeReadiness(states: readonly ListenerReadiness[], closing: boolean) {
  if (closing) return { ready: false, message: 'shutting down', listeners: states };
  const failing = states.find((state) => !state.ready);
  if (!failing) return { ready: true, listeners: states };
  const { name: listener, ready: _ready, ...why } = failing;
  return { ready: false, listener, ...why, listeners: states };
}

/**
 * The configured Logstash upstreams: picks one per tunnel (least connections or round robin),
 * fails over to the next on a connect error, keeps a failed one out of rotation for a while, and
 * probes them so readiness says whether anything can be reached.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { HostPort, UnwrapperConfig } from '../config/types.ts';
import type { Metrics } from '../admin/metrics.ts';
import { UpgradeRefusal } from '../upgrade/refusal.ts';
import { connectUpstream, UpstreamConnectError } from './connect-upstream.ts';

interface UpstreamState {
  readonly target: HostPort;
  readonly label: string;
  active: number;
  /** undefined until the first probe or connect says otherwise. */
  up: boolean | undefined;
  downUntil: number;
}

export interface UpstreamLease {
  readonly socket: Socket;
  readonly upstream: string;
  /** Gives the connection slot back (for least-connections); idempotent. */
  release(): void;
}

type PoolConfig = Pick<
  UnwrapperConfig,
  | 'upstreams'
  | 'upstreamStrategy'
  | 'upstreamConnectTimeoutMs'
  | 'upstreamRetryMs'
  | 'upstreamProbeIntervalMs'
  | 'upstreamTls'
  | 'retryAfterSeconds'
>;

export function createUpstreamPool(
  config: PoolConfig,
  deps: { metrics: Metrics; logger: Logger; now?: () => number },
) {
  const now = deps.now ?? Date.now;
  const { metrics, logger } = deps;
  const states: UpstreamState[] = config.upstreams.map((target) => ({
    target,
    label: `${target.host}:${target.port}`,
    active: 0,
    up: undefined,
    downUntil: 0,
  }));
  let cursor = 0;
  let probeTimer: NodeJS.Timeout | undefined;

  function mark(state: UpstreamState, up: boolean) {
    if (state.up !== up) {
      logger.info({ event: 'upstream_state', upstream: state.label, up }, 'upstream state changed');
    }
    state.up = up;
    state.downUntil = up ? 0 : now() + config.upstreamRetryMs;
  }

  function candidates(): UpstreamState[] {
    const at = now();
    const usable = states.filter((s) => s.up !== false || s.downUntil <= at);
    const start = cursor++ % states.length;
    const rotated = usable
      .map((s) => ({ s, rank: (states.indexOf(s) - start + states.length) % states.length }))
      .sort((a, b) => a.rank - b.rank)
      .map(({ s }) => s);
    if (config.upstreamStrategy === 'round-robin') return rotated;
    // Stable sort: ties keep the rotation, so equal upstreams still share the load.
    return rotated.sort((a, b) => a.active - b.active);
  }

  async function connect(signal?: AbortSignal): Promise<UpstreamLease> {
    const order = candidates();
    if (order.length === 0) {
      throw new UpgradeRefusal('upstream_down', 'every upstream is marked down', {
        retryAfter: config.retryAfterSeconds,
      });
    }
    let last: unknown;
    for (const state of order) {
      try {
        const socket = await connectUpstream(state.target, {
          timeoutMs: config.upstreamConnectTimeoutMs,
          tls: config.upstreamTls,
          signal,
        });
        mark(state, true);
        metrics.upstreamConnections.inc({ upstream: state.label });
        state.active++;
        let released = false;
        return {
          socket,
          upstream: state.label,
          release() {
            if (released) return;
            released = true;
            state.active--;
          },
        };
      } catch (error) {
        if (error instanceof UpstreamConnectError && error.reason === 'ABORTED') {
          throw new UpgradeRefusal('client_gone', 'client left while dialing', { cause: error });
        }
        last = error;
        const reason = error instanceof UpstreamConnectError ? error.reason : 'OTHER';
        metrics.upstreamConnectFailures.inc({ upstream: state.label, reason });
        logger.warn(
          { event: 'upstream_connect_failed', upstream: state.label, reason, err: String(error) },
          'upstream connect failed',
        );
        mark(state, false);
      }
    }
    throw new UpgradeRefusal('upstream_unreachable', 'no upstream could be reached', {
      cause: last,
    });
  }

  async function probe() {
    await Promise.all(
      states.map(async (state) => {
        try {
          // Plain TCP: a health check must not cost Logstash a TLS handshake it then logs.
          const socket = await connectUpstream(state.target, {
            timeoutMs: config.upstreamConnectTimeoutMs,
          });
          socket.destroy();
          mark(state, true);
        } catch {
          mark(state, false);
        }
      }),
    );
  }

  return {
    connect,
    probe,
    startProbing() {
      if (config.upstreamProbeIntervalMs <= 0 || probeTimer) return;
      void probe();
      probeTimer = setInterval(() => void probe(), config.upstreamProbeIntervalMs);
      probeTimer.unref();
    },
    stopProbing() {
      clearInterval(probeTimer);
      probeTimer = undefined;
    },
    /** Ready: with probing, something answered; without, not everything failed. */
    get reachable(): boolean {
      if (config.upstreamProbeIntervalMs > 0) return states.some((s) => s.up === true);
      const at = now();
      return states.some((s) => s.up !== false || s.downUntil <= at);
    },
    snapshot() {
      return states.map(({ label, active, up }) => ({ upstream: label, active, up }));
    },
  };
}

export type UpstreamPool = ReturnType<typeof createUpstreamPool>;

import { createMetrics as createServiceMetrics } from '@beats-gate/kit';

/** What the gauges read from each listener when Prometheus scrapes. */
export interface ListenerGauges {
  readonly name: string;
  readonly activeTunnels: number;
  /** True while new Beats connections are refused because the edge failed. */
  readonly backingOff: boolean;
  /** Whether the last handshake or probe succeeded (/readyz). */
  readonly ready: boolean;
  /** Expiry (epoch ms) of the last token handed out, when known. */
  readonly tokenExpiresAt: number | undefined;
  /** Expiry (epoch ms) of the certificate a TLS listener serves; undefined on a plain one. */
  readonly certificateExpiresAt?: number | undefined;
}

export interface MetricsOptions {
  /** Node's default process metrics (`--metrics`). */
  readonly defaultMetrics: boolean;
  /** The listeners, read on every scrape. */
  readonly listeners: () => Iterable<ListenerGauges>;
}

/**
 * The client's Prometheus metrics (kit conventions: `beats_gate_client_…`, gauges read at scrape
 * time). Label values are bounded: listener names come from the configuration, close codes go
 * through closeCodeName, reasons and error codes are fixed sets.
 */
export function createMetrics(options: MetricsOptions) {
  const metrics = createServiceMetrics({
    service: 'client',
    defaultMetrics: options.defaultMetrics,
  });
  const listener = ['listener'] as const;
  metrics.gauge('tunnels_active', 'Open tunnels (Beats connection plus WebSocket)', {
    labelNames: listener,
    collect(gauge) {
      for (const each of options.listeners())
        gauge.set({ listener: each.name }, each.activeTunnels);
    },
  });
  metrics.gauge(
    'token_expiry_seconds',
    'Expiry (Unix seconds) of the last token used, when known',
    {
      labelNames: listener,
      collect(gauge) {
        for (const { name, tokenExpiresAt } of options.listeners()) {
          if (tokenExpiresAt !== undefined) gauge.set({ listener: name }, tokenExpiresAt / 1000);
        }
      },
    },
  );
  metrics.gauge(
    'backoff_active',
    '1 while new Beats connections are refused because the edge failed',
    {
      labelNames: listener,
      collect(gauge) {
        for (const each of options.listeners())
          gauge.set({ listener: each.name }, each.backingOff ? 1 : 0);
      },
    },
  );
  metrics.gauge(
    'listener_certificate_expiry_seconds',
    'Expiry (Unix seconds) of the certificate a TLS listener serves (--listen-tls-cert-file)',
    {
      labelNames: listener,
      collect(gauge) {
        for (const { name, certificateExpiresAt } of options.listeners()) {
          if (certificateExpiresAt !== undefined)
            gauge.set({ listener: name }, certificateExpiresAt / 1000);
        }
      },
    },
  );
  metrics.gauge('ready', '1 while the last handshake or probe of the listener succeeded', {
    labelNames: listener,
    collect(gauge) {
      for (const each of options.listeners())
        gauge.set({ listener: each.name }, each.ready ? 1 : 0);
    },
  });
  return {
    registry: metrics.registry,
    probes: metrics.counter(
      'probes_total',
      'Probe tunnels (opened and closed at once) by result: ok or the part that failed',
      ['listener', 'result'],
    ),
    tunnelsOpened: metrics.counter(
      'tunnels_opened_total',
      'Tunnels whose WebSocket handshake succeeded',
      listener,
    ),
    tunnelsClosed: metrics.counter(
      'tunnels_closed_total',
      'Closed tunnels by who closed them and the WebSocket close code',
      ['listener', 'closed_by', 'code'],
    ),
    handshakeFailures: metrics.counter(
      'handshake_failures_total',
      'Failed tunnel handshakes by error code',
      ['listener', 'error'],
    ),
    refused: metrics.counter(
      'connections_refused_total',
      'Beats connections reset without a tunnel (backoff, capacity, shutdown)',
      ['listener', 'reason'],
    ),
    bytes: metrics.counter(
      'bytes_total',
      'Bytes carried, counted as they pass; up is Beats to edge',
      ['listener', 'direction'],
    ),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

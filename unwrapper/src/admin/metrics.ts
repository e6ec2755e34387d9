/**
 * Prometheus metrics of one unwrapper (kit conventions: `beats_gate_unwrapper_…`, Node's default
 * metrics under their standard names, gauges read at scrape time from the state the unwrapper
 * keeps anyway). Every label has a bounded set of values: refusal reasons come from a closed
 * list, upstreams from the configuration, close codes through closeCodeName.
 */
import { createMetrics as createServiceMetrics } from '@beats-gate/kit';

/** What the gauges read when Prometheus scrapes. */
export interface MetricsSources {
  /** Tunnels currently open. */
  tunnels(): number;
  draining(): boolean;
  /** Each upstream and whether its last probe or connect succeeded (undefined: not tried yet). */
  upstreams(): Iterable<{ upstream: string; up: boolean | undefined }>;
}

export function createMetrics(options: { defaultMetrics?: boolean; read: MetricsSources }) {
  const { read } = options;
  const metrics = createServiceMetrics({
    service: 'unwrapper',
    defaultMetrics: options.defaultMetrics ?? true,
  });
  metrics.gauge('tunnels_active', 'Tunnels currently open', {
    collect: (gauge) => gauge.set({}, read.tunnels()),
  });
  metrics.gauge('draining', '1 while shutting down (not ready, refusing upgrades)', {
    collect: (gauge) => gauge.set({}, read.draining() ? 1 : 0),
  });
  metrics.gauge(
    'upstream_up',
    '1 when the upstream answered the last probe or connect, 0 when it failed',
    {
      labelNames: ['upstream'],
      collect(gauge) {
        for (const { upstream, up } of read.upstreams()) {
          if (up !== undefined) gauge.set({ upstream }, up ? 1 : 0);
        }
      },
    },
  );
  return {
    registry: metrics.registry,
    upgrades: metrics.counter(
      'upgrades_total',
      'Upgrade requests by result: "accepted" or the refusal reason',
      ['result'],
    ),
    upstreamConnections: metrics.counter(
      'upstream_connections_total',
      'Upstream (Logstash) connections opened for tunnels, probes excluded',
      ['upstream'],
    ),
    upstreamConnectFailures: metrics.counter(
      'upstream_connect_failures_total',
      'Failed attempts to connect to an upstream for a tunnel, by error class',
      ['upstream', 'reason'],
    ),
    bytes: metrics.counter(
      'bytes_total',
      'Bytes carried, counted as they pass; up is towards Logstash, down towards the Beat',
      ['direction'],
    ),
    tunnelDuration: metrics.histogram('tunnel_duration_seconds', 'Lifetime of closed tunnels', {
      buckets: [0.1, 1, 10, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
    }),
    tunnelsClosed: metrics.counter(
      'tunnels_closed_total',
      'Closed tunnels by WebSocket close code name and by the side that closed first',
      ['code', 'closed_by'],
    ),
    // Lumberjack-aware mode (inspect/); these stay at zero for byte tunnels.
    windows: metrics.counter(
      'windows_total',
      'Complete windows forwarded to Logstash, by mode (validate, stamp) and upstream group',
      ['mode', 'upstream_group'],
    ),
    events: metrics.counter(
      'events_total',
      'Events forwarded to Logstash in complete windows, by mode and upstream group (metering)',
      ['mode', 'upstream_group'],
    ),
    ackLatency: metrics.histogram(
      'ack_latency_seconds',
      "Time from a window's last byte written to Logstash until Logstash acknowledged it",
      { buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] },
    ),
    streamRejections: metrics.counter(
      'stream_rejections_total',
      'Tunnels closed because their Lumberjack stream was refused, by error code',
      ['code'],
    ),
    claimMismatches: metrics.counter(
      'claim_mismatches_total',
      'Events tagged because host.name or agent.id disagreed with a token claim',
    ),
    windowDrains: metrics.counter(
      'window_drains_total',
      'Tunnels drained at a window boundary, by reason (shutdown, token_expired)',
      ['reason'],
    ),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

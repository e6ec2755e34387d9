/**
 * Prometheus metrics of one unwrapper, in a registry of its own so several instances can run in
 * one process (tests, the local stack). Every label has a bounded set of values: refusal reasons
 * come from a closed list, upstreams from the configuration, close codes through closeCodeName.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: 'beats_gate_unwrapper_' });
  }
  const registers = [registry];
  return {
    registry,
    upgrades: new Counter({
      name: 'beats_gate_unwrapper_upgrades_total',
      help: 'Upgrade requests by result: "accepted" or the refusal reason',
      labelNames: ['result'] as const,
      registers,
    }),
    upstreamConnections: new Counter({
      name: 'beats_gate_unwrapper_upstream_connections_total',
      help: 'Upstream (Logstash) connections opened for tunnels, probes excluded',
      labelNames: ['upstream'] as const,
      registers,
    }),
    upstreamConnectFailures: new Counter({
      name: 'beats_gate_unwrapper_upstream_connect_failures_total',
      help: 'Failed attempts to connect to an upstream for a tunnel, by error class',
      labelNames: ['upstream', 'reason'] as const,
      registers,
    }),
    upstreamUp: new Gauge({
      name: 'beats_gate_unwrapper_upstream_up',
      help: '1 when the upstream answered the last probe or connect, 0 when it failed',
      labelNames: ['upstream'] as const,
      registers,
    }),
    tunnelsActive: new Gauge({
      name: 'beats_gate_unwrapper_tunnels_active',
      help: 'Tunnels currently open',
      registers,
    }),
    bytes: new Counter({
      name: 'beats_gate_unwrapper_bytes_total',
      help: 'Bytes carried, by direction (client_to_upstream, upstream_to_client)',
      labelNames: ['direction'] as const,
      registers,
    }),
    tunnelDuration: new Histogram({
      name: 'beats_gate_unwrapper_tunnel_duration_seconds',
      help: 'Lifetime of closed tunnels',
      buckets: [0.1, 1, 10, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers,
    }),
    tunnelCloses: new Counter({
      name: 'beats_gate_unwrapper_tunnel_closes_total',
      help: 'Closed tunnels by WebSocket close code name and by the side that closed first',
      labelNames: ['code', 'closed_by'] as const,
      registers,
    }),
    draining: new Gauge({
      name: 'beats_gate_unwrapper_draining',
      help: '1 while shutting down (not ready, refusing upgrades)',
      registers,
    }),
    // Lumberjack-aware mode (inspect/); these stay at zero for byte tunnels.
    windows: new Counter({
      name: 'beats_gate_unwrapper_windows_total',
      help: 'Complete windows forwarded to Logstash, by mode (validate, stamp)',
      labelNames: ['mode'] as const,
      registers,
    }),
    events: new Counter({
      name: 'beats_gate_unwrapper_events_total',
      help: 'Events forwarded to Logstash in complete windows, by mode (validate, stamp)',
      labelNames: ['mode'] as const,
      registers,
    }),
    ackLatency: new Histogram({
      name: 'beats_gate_unwrapper_ack_latency_seconds',
      help: "Time from a window's last byte written to Logstash until Logstash acknowledged it",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    streamRejections: new Counter({
      name: 'beats_gate_unwrapper_stream_rejections_total',
      help: 'Tunnels closed because their Lumberjack stream was refused, by error code',
      labelNames: ['code'] as const,
      registers,
    }),
    claimMismatches: new Counter({
      name: 'beats_gate_unwrapper_claim_mismatches_total',
      help: 'Events tagged because host.name or agent.id disagreed with a token claim',
      registers,
    }),
    windowDrains: new Counter({
      name: 'beats_gate_unwrapper_window_drains_total',
      help: 'Tunnels drained at a window boundary, by reason (shutdown, token_expired)',
      labelNames: ['reason'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

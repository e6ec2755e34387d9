import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics on a registry of their own (never the global one, so two clients in one
 * process do not collide). Label values are bounded: listener names come from the configuration,
 * close codes go through closeCodeName, reasons are a fixed set.
 */
export function createMetrics(processMetrics: boolean) {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: 'beats_gate_client_' });
  const labelNames = ['listener'] as const;
  const metrics = {
    registry,
    tunnelsActive: new Gauge({
      name: 'beats_gate_client_tunnels_active',
      help: 'Open tunnels (Beats connection plus WebSocket)',
      labelNames,
      registers: [registry],
    }),
    tunnelsOpened: new Counter({
      name: 'beats_gate_client_tunnels_opened_total',
      help: 'Tunnels whose WebSocket handshake succeeded',
      labelNames,
      registers: [registry],
    }),
    tunnelsClosed: new Counter({
      name: 'beats_gate_client_tunnels_closed_total',
      help: 'Closed tunnels by who closed them and the WebSocket close code',
      labelNames: ['listener', 'closed_by', 'code'] as const,
      registers: [registry],
    }),
    handshakeFailures: new Counter({
      name: 'beats_gate_client_handshake_failures_total',
      help: 'Failed tunnel handshakes by error code',
      labelNames: ['listener', 'error'] as const,
      registers: [registry],
    }),
    refused: new Counter({
      name: 'beats_gate_client_connections_refused_total',
      help: 'Beats connections reset without a tunnel (backoff, capacity, shutdown)',
      labelNames: ['listener', 'reason'] as const,
      registers: [registry],
    }),
    bytes: new Counter({
      name: 'beats_gate_client_bytes_total',
      help: 'Bytes carried by closed tunnels; up is Beats to edge',
      labelNames: ['listener', 'direction'] as const,
      registers: [registry],
    }),
    tokenExpiry: new Gauge({
      name: 'beats_gate_client_token_expiry_seconds',
      help: 'Expiry (Unix seconds) of the last token used, when known',
      labelNames,
      registers: [registry],
    }),
    backoffActive: new Gauge({
      name: 'beats_gate_client_backoff_active',
      help: '1 while new Beats connections are refused because the edge failed',
      labelNames,
      registers: [registry],
    }),
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

// The client's metrics follow the kit's convention: standard names for Node's own metrics, bytes
// counted while the tunnel is open, gauges read at scrape time (no status() call needed).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { createMetrics } from '../src/admin/metrics.ts';
import { createClient, type ClientOptions } from '../src/index.ts';
import {
  captureLogger,
  clientConfig,
  connectBeats,
  type Edge,
  jwt,
  listenerConfig,
  repoRoot,
  startEdge,
  waitFor,
} from './helpers.ts';

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A client with --metrics in front of `edge`; scrape() reads its /metrics. */
async function startClient(edge: Edge, options: ClientOptions = {}) {
  const client = createClient(
    clientConfig([listenerConfig(edge.url, { type: 'static', token: jwt('abc') })], {
      admin: { host: '127.0.0.1', port: 0, metrics: true },
    }),
    { logger: captureLogger().logger, ...options },
  );
  const bound = await client.listen();
  return {
    client,
    port: bound.listeners[0]?.port ?? 0,
    scrape: async () => (await fetch(`http://127.0.0.1:${bound.admin?.port}/metrics`)).text(),
  };
}

describe('client metrics', () => {
  it('counts bytes while the tunnel is open, and reads the gauges when scraped', async () => {
    const edge = await startEdge(); // echoes every message
    const { client, port, scrape } = await startClient(edge);
    try {
      const beats = await connectBeats(port);
      beats.socket.write(Buffer.alloc(1000, 1));
      await waitFor(() => beats.received().length === 1000, 'the echo');

      const open = await scrape();
      assert.equal(
        value(open, 'beats_gate_client_bytes_total{listener="test",direction="up"}'),
        1000,
      );
      assert.equal(
        value(open, 'beats_gate_client_bytes_total{listener="test",direction="down"}'),
        1000,
      );
      assert.equal(value(open, 'beats_gate_client_tunnels_active{listener="test"}'), 1);
      assert.equal(value(open, 'beats_gate_client_backoff_active{listener="test"}'), 0);
      assert.ok(value(open, 'process_cpu_seconds_total') !== undefined, 'standard process metrics');
      assert.doesNotMatch(open, /^beats_gate_client_(process|nodejs)_/m);

      beats.socket.end();
      await beats.closed;
      await waitFor(() => client.status().activeTunnels === 0, 'the tunnel to close');
      const closed = await scrape();
      assert.equal(value(closed, 'beats_gate_client_tunnels_active{listener="test"}'), 0);
      assert.equal(
        value(closed, 'beats_gate_client_bytes_total{listener="test",direction="up"}'),
        1000,
        'the close adds nothing',
      );
    } finally {
      await client.close();
      await edge.close();
    }
  });

  it('shows a backoff on the next scrape', async () => {
    const edge = await startEdge({ decide: () => ({ status: 503 }) });
    // A frozen clock: the backoff cannot run out before the scrape, however slow the machine.
    const { client, port, scrape } = await startClient(edge, {
      now: () => 1e12,
      random: () => 0.5,
    });
    try {
      const beats = await connectBeats(port);
      await beats.closed;
      assert.equal(value(await scrape(), 'beats_gate_client_backoff_active{listener="test"}'), 1);
    } finally {
      await client.close();
      await edge.close();
    }
  });

  it('are each a row of the table in docs/client.md, and the table names no other', async () => {
    const docs = readFileSync(resolve(repoRoot, 'docs/client.md'), 'utf8');
    const documented = [...docs.matchAll(/^\| `(beats_gate_client_[a-z_]+)`/gm)].map((m) => m[1]);
    const { registry } = createMetrics({ defaultMetrics: false, listeners: () => [] });
    const registered = (await registry.getMetricsAsJSON()).map((metric) => metric.name);
    assert.deepEqual([...documented].sort(), [...registered].sort());
  });
});

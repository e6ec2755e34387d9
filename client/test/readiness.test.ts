import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient } from '../src/index.ts';
import {
  captureLogger,
  clientConfig,
  connectBeats,
  forwardTo,
  jwt,
  listenerConfig,
  startEdge,
  startUpstream,
  waitFor,
  type EdgeOptions,
} from './helpers.ts';

interface Readyz {
  status: string;
  ready: boolean;
  listener?: string;
  via?: string | null;
  part?: string;
  code?: string;
  edgeCode?: string;
  httpStatus?: number;
  message?: string;
  fix?: string;
}

/** A stand-in chain: the edge forwards to a TCP "Logstash", or refuses like origin when told. */
async function startChain() {
  const upstream = await startUpstream(() => {});
  let refusal: ReturnType<NonNullable<EdgeOptions['decide']>>;
  const edge = await startEdge({ decide: () => refusal, onSocket: forwardTo(upstream.port) });
  return {
    edge,
    upstream,
    logstashDown() {
      refusal = {
        status: 503,
        headers: { 'content-type': 'application/json' },
        body: '{"error":"ERR_UPSTREAM_ALL_DOWN","message":"no upstream is up"}',
      };
    },
    logstashUp() {
      refusal = undefined;
    },
    async close() {
      await edge.close();
      await upstream.close();
    },
  };
}

async function startClient(url: string, probeIntervalMs: number) {
  const logs = captureLogger();
  const client = createClient(
    clientConfig([listenerConfig(url, { type: 'static', token: jwt('d') })], {
      probeIntervalMs,
      admin: { host: '127.0.0.1', port: 0, metrics: true },
    }),
    { logger: logs.logger },
  );
  const bound = await client.listen();
  const admin = `http://127.0.0.1:${bound.admin?.port}`;
  return {
    client,
    logs,
    port: bound.listeners[0]?.port ?? 0,
    async readyz(): Promise<{ code: number; body: Readyz }> {
      const response = await fetch(`${admin}/readyz`);
      return { code: response.status, body: (await response.json()) as Readyz };
    },
    async healthz(): Promise<number> {
      return (await fetch(`${admin}/healthz`)).status;
    },
    async metric(line: string): Promise<number> {
      const text = await (await fetch(`${admin}/metrics`)).text();
      const found = text.split('\n').find((l) => l.startsWith(line));
      return found === undefined ? 0 : Number(found.slice(line.length).trim());
    },
  };
}

describe('/readyz', () => {
  it('follows the last handshake: 503 before any, 200 after one, 503 naming Logstash', async () => {
    const chain = await startChain();
    const c = await startClient(chain.edge.url, 0);
    try {
      let answer = await c.readyz();
      assert.equal(answer.code, 503);
      assert.match(String(answer.body.message), /^no tunnel opened yet/);

      const first = await connectBeats(c.port);
      await waitFor(() => chain.upstream.sockets.length === 1, 'the tunnel to Logstash');
      answer = await c.readyz();
      assert.equal(answer.code, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.status, 'ready');
      first.socket.destroy();

      chain.logstashDown();
      const second = await connectBeats(c.port);
      await second.closed;
      answer = await c.readyz();
      assert.equal(answer.code, 503);
      assert.equal(answer.body.status, 'not_ready');
      assert.equal(answer.body.httpStatus, 503);
      assert.equal(answer.body.listener, 'test');
      assert.equal(answer.body.via, 'handshake');
      assert.equal(answer.body.part, 'logstash');
      assert.equal(answer.body.code, 'ERR_HANDSHAKE_LOGSTASH');
      assert.equal(answer.body.edgeCode, 'ERR_UPSTREAM_ALL_DOWN');
      assert.match(String(answer.body.fix), /Logstash/);
      assert.equal(await c.healthz(), 200, 'liveness does not follow readiness');
      assert.equal(await c.metric('beats_gate_client_ready{listener="test"}'), 0);
    } finally {
      await c.client.close();
      await chain.close();
    }
  });

  it('probes while no Beats connection comes, and turns with what the probe finds', async () => {
    const chain = await startChain();
    // A short interval, for the test: the configuration allows 0 or at least 1000 ms.
    const c = await startClient(chain.edge.url, 50);
    try {
      await waitFor(() => c.logs.events.some((e) => e.event === 'readiness_changed'), 'a probe');
      const up = await c.readyz();
      assert.equal(up.code, 200, JSON.stringify(up.body));
      assert.ok(
        (await c.metric('beats_gate_client_probes_total{listener="test",result="ok"}')) >= 1,
      );
      assert.ok(chain.edge.requests.length >= 1);

      chain.logstashDown();
      await waitFor(() => c.logs.events.some((e) => e.event === 'probe_failed'), 'a probe to fail');
      const down = await c.readyz();
      assert.equal(down.code, 503);
      assert.equal(down.body.via, 'probe');
      assert.equal(down.body.part, 'logstash');
      const failure = c.logs.events.find((e) => e.event === 'probe_failed');
      assert.equal(failure?.level, 'warn');
      assert.equal(failure?.edgeCode, 'ERR_UPSTREAM_ALL_DOWN');
      assert.ok(
        (await c.metric('beats_gate_client_probes_total{listener="test",result="logstash"}')) >= 1,
      );

      chain.logstashUp();
      await waitFor(
        () => c.logs.events.filter((e) => e.event === 'readiness_changed').length >= 3,
        'ready again',
      );
      assert.equal((await c.readyz()).code, 200);
    } finally {
      await c.client.close();
      await chain.close();
    }
  });

  it('is 503 naming the token when the start-up check failed', async () => {
    const chain = await startChain();
    const logs = captureLogger();
    const client = createClient(
      clientConfig(
        [listenerConfig(chain.edge.url, { type: 'file', path: '/nonexistent/beats-gate-token' })],
        { admin: { host: '127.0.0.1', port: 0, metrics: false } },
      ),
      { logger: logs.logger },
    );
    try {
      const bound = await client.listen();
      const response = await fetch(`http://127.0.0.1:${bound.admin?.port}/readyz`);
      const body = (await response.json()) as Readyz;
      assert.equal(response.status, 503);
      assert.equal(body.via, 'start_check');
      assert.equal(body.part, 'token');
      assert.equal(body.code, 'ERR_TOKEN_FILE');
    } finally {
      await client.close();
      await chain.close();
    }
  });
});

// Upstream selection and failure: failover to the next upstream on a connect error, 502 when none
// answers, 503 (with Retry-After) while every upstream is marked down, readiness from probes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closed, closedPort, openTunnel, readBytes, waitFor } from './helpers/harness.ts';
import { useFixtures } from './helpers/fixtures.ts';

type HttpError = Error & { status?: number; headers?: Record<string, string> };

describe('upstreams', () => {
  const fixtures = useFixtures();

  it('answers 502 when no upstream answers, then 503 while all are marked down', async () => {
    const harness = await fixtures.unwrapper({
      upstreams: [{ host: '127.0.0.1', port: await closedPort() }],
    });
    await assert.rejects(openTunnel(harness.url), (error: HttpError) => error.status === 502);
    await assert.rejects(openTunnel(harness.url), (error: HttpError) => {
      assert.equal(error.status, 503);
      assert.equal(error.headers?.['retry-after'], '5');
      return true;
    });
    assert.equal(
      await harness.metric('beats_gate_unwrapper_upstream_connect_failures_total', {
        reason: 'ECONNREFUSED',
      }),
      1,
    );
    assert.equal(
      await harness.metric('beats_gate_unwrapper_upgrades_total', {
        result: 'upstream_unreachable',
      }),
      1,
    );
    assert.equal(
      await harness.metric('beats_gate_unwrapper_upgrades_total', { result: 'upstream_down' }),
      1,
    );
    assert.equal(harness.unwrapper.readiness().ready, false);
  });

  it('fails over to the next upstream on a connect error', async () => {
    const good = await fixtures.upstream();
    const harness = await fixtures.unwrapper({
      upstreams: [
        { host: '127.0.0.1', port: await closedPort() },
        { host: '127.0.0.1', port: good.port },
      ],
      upstreamStrategy: 'round-robin',
    });
    for (let i = 0; i < 3; i++) {
      const ws = await openTunnel(harness.url, { subject: `device-${i}` });
      const socket = await good.nextSocket();
      const arrived = readBytes(socket, 2);
      ws.send(Buffer.from('2W'));
      assert.equal((await arrived).toString(), '2W');
      const closing = closed(ws);
      ws.close();
      await closing;
    }
    assert.equal(good.sockets.length, 3);
    // The dead one was tried once, then kept out of rotation.
    assert.equal(await harness.metric('beats_gate_unwrapper_upstream_connect_failures_total'), 1);
    assert.equal(await harness.metric('beats_gate_unwrapper_upstream_connections_total'), 3);
  });

  it('spreads tunnels by least connections', async () => {
    const a = await fixtures.upstream();
    const b = await fixtures.upstream();
    const harness = await fixtures.unwrapper({
      upstreams: [
        { host: '127.0.0.1', port: a.port },
        { host: '127.0.0.1', port: b.port },
      ],
    });
    const open = [];
    for (let i = 0; i < 4; i++) open.push(await openTunnel(harness.url, { subject: `d${i}` }));
    assert.equal(a.sockets.length, 2);
    assert.equal(b.sockets.length, 2);
    for (const ws of open) ws.close();
    await waitFor(() => harness.unwrapper.tunnels.length === 0, 'tunnels closed');
  });

  it('is ready only when a probe reached an upstream, over /readyz', async () => {
    const { upstream: up, harness } = await fixtures.tunnel({ upstreamProbeIntervalMs: 60_000 });
    await waitFor(async () => (await fetch(`${harness.adminUrl}/readyz`)).status === 200, 'ready');
    const health = await fetch(`${harness.adminUrl}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
    await up.close();
    await harness.unwrapper.probeUpstreams();
    const notReady = await fetch(`${harness.adminUrl}/readyz`);
    assert.equal(notReady.status, 503);
    assert.equal(
      ((await notReady.json()) as { upstreamReachable: boolean }).upstreamReachable,
      false,
    );
    const metrics = await (await fetch(`${harness.adminUrl}/metrics`)).text();
    for (const name of [
      'beats_gate_unwrapper_upgrades_total',
      'beats_gate_unwrapper_upstream_connections_total',
      'beats_gate_unwrapper_tunnels_active',
    ]) {
      assert.match(metrics, new RegExp(`^# TYPE ${name} `, 'm'));
    }
    assert.match(metrics, /beats_gate_unwrapper_upstream_up\{upstream="127\.0\.0\.1:\d+"\} 0/);
  });
});

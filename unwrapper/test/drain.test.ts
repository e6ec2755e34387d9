// Draining: not ready, new upgrades refused with 503, open tunnels keep working for the grace
// period, then the rest close with 1001 and their upstream sockets close too.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { closed, openTunnel, readBytes } from './helpers/harness.ts';
import { useFixtures } from './helpers/fixtures.ts';

type HttpError = Error & { status?: number; body?: { error?: string } };

describe('drain', () => {
  const fixtures = useFixtures();

  it('refuses new upgrades, lets tunnels finish within the grace period', async () => {
    const { upstream, harness } = await fixtures.tunnel();
    const ws = await openTunnel(harness.url);
    const logstash = await upstream.nextSocket();

    const drained = harness.unwrapper.drain(60_000);
    const ready = await fetch(`${harness.adminUrl}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { draining: boolean }).draining, true);
    await assert.rejects(openTunnel(harness.url, { subject: 'late' }), (error: HttpError) => {
      assert.equal(error.status, 503);
      assert.equal(error.body?.error, 'ERR_UNWRAPPER_DRAINING');
      return true;
    });

    // The open tunnel still carries bytes both ways.
    const up = readBytes(logstash, 3);
    ws.send(Buffer.from('abc'));
    assert.equal((await up).toString(), 'abc');
    const down = new Promise<Buffer>((resolve) => ws.once('message', resolve));
    logstash.write('xyz');
    assert.equal((await down).toString(), 'xyz');

    // Its client finishing ends the drain long before the grace period.
    ws.close(1000);
    await drained;
    assert.equal(harness.unwrapper.tunnels.length, 0);
  });

  it('closes what is left after the grace period with 1001', async () => {
    const { upstream, harness } = await fixtures.tunnel();
    const ws = await openTunnel(harness.url);
    const logstash = await upstream.nextSocket();
    const closing = closed(ws);
    const upstreamClosed = once(logstash, 'close');
    await harness.unwrapper.drain(50);
    assert.equal((await closing).code, 1001);
    await upstreamClosed;
    const line = harness.logs.findLast((l) => l.event === 'tunnel_closed');
    assert.equal(line?.closedBy, 'unwrapper');
    assert.equal(line?.closeCode, 1001);
  });

  it('close() during a drain cuts the grace period short', async () => {
    const { upstream, harness } = await fixtures.tunnel();
    const ws = await openTunnel(harness.url);
    const logstash = await upstream.nextSocket();
    const closing = closed(ws);
    const upstreamClosed = once(logstash, 'close');
    const drained = harness.unwrapper.drain(60_000);
    const { close } = harness.unwrapper;
    await close();
    await drained;
    assert.equal((await closing).code, 1001);
    await upstreamClosed;
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientError } from './errors.ts';
import { createListenerReadiness, summarizeReadiness } from './listener-readiness.ts';
import type { ProbeResult } from './tunnel/probe-tunnel.ts';

/** A readiness whose clock and ticks the test drives; its probes fail at the token. */
function setup(probeIntervalMs: number) {
  let now = 1_000_000;
  let tick: (() => void) | undefined;
  let dials = 0;
  let release: (() => void) | undefined;
  const probes: ProbeResult[] = [];
  const readiness = createListenerReadiness({
    name: 'test',
    probeIntervalMs,
    now: () => now,
    dial: async () => {
      dials += 1;
      await new Promise<void>((done) => (release = done));
      throw new ClientError('ERR_TOKEN_FILE', 'cannot read token file "t": ENOENT');
    },
    onProbe: (result) => probes.push(result),
    onChange: () => {},
    schedule(fn) {
      tick = fn;
      return () => (tick = undefined);
    },
  });
  /** One tick; resolves once a probe it started has finished. */
  async function runTick() {
    const before = dials;
    tick?.();
    await Promise.resolve();
    if (dials === before) return false;
    release?.();
    while (probes.length < dials) await new Promise((done) => setImmediate(done));
    return true;
  }
  return {
    readiness,
    runTick,
    probes,
    advance: (ms: number) => (now += ms),
    get scheduled() {
      return tick !== undefined;
    },
  };
}

describe('listener readiness', () => {
  it('is not ready before any tunnel, and says why', () => {
    const { readiness } = setup(0);
    assert.deepEqual(readiness.state, {
      name: 'test',
      ready: false,
      via: null,
      message: 'no tunnel opened yet: waiting for a Beats connection or the first probe',
    });
  });

  it('probes only when no handshake succeeded within the interval', async () => {
    const t = setup(60_000);
    t.readiness.start();
    assert.equal(await t.runTick(), true, 'no tunnel yet: the tick probes');
    assert.equal(t.readiness.state.ready, false);
    assert.equal((t.readiness.state as { part?: string }).part, 'token');
    t.readiness.succeeded('handshake');
    assert.equal(t.readiness.state.ready, true);
    t.advance(59_999);
    assert.equal(await t.runTick(), false, 'a recent tunnel: no probe');
    t.advance(1);
    assert.equal(await t.runTick(), true, 'none within the interval: probe');
    assert.deepEqual(
      t.probes.map((p) => !p.ok && p.code),
      ['ERR_TOKEN_FILE', 'ERR_TOKEN_FILE'],
    );
  });

  it('ignores an aborted handshake and schedules nothing when the interval is 0', () => {
    const t = setup(0);
    t.readiness.start();
    assert.equal(t.scheduled, false);
    t.readiness.succeeded('handshake');
    t.readiness.failed(
      { part: 'client', code: 'ERR_HANDSHAKE_ABORTED', message: 'aborted', fix: '' },
      'handshake',
    );
    assert.equal(t.readiness.state.ready, true);
  });

  it('summarizes: ready when every listener is, else the first that is not', () => {
    const ok = { name: 'a', ready: true, via: 'probe', at: 'x' } as const;
    const bad = {
      name: 'b',
      ready: false,
      via: 'probe',
      at: 'y',
      part: 'logstash',
      code: 'ERR_HANDSHAKE_LOGSTASH',
      message: 'origin cannot reach Logstash: edge answered 503 ERR_UPSTREAM_ALL_DOWN',
      fix: 'f',
    } as const;
    assert.equal(summarizeReadiness([ok], false).ready, true);
    const summary = summarizeReadiness([ok, bad], false);
    assert.equal(summary.ready, false);
    assert.equal((summary as { listener?: string }).listener, 'b');
    assert.equal((summary as { part?: string }).part, 'logstash');
    assert.equal(summarizeReadiness([ok], true).ready, false);
  });
});

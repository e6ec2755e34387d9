// The OUTCOMES binding (Workers Analytics Engine): one data point per upgrade, with the facts of its
// log line, in the layout docs/edge-worker.md's SQL relies on. Miniflare's own dataset binding drops
// points locally, so the points are recorded through a stand-in (local.ts `onOutcome`); a second
// edge binds Miniflare's real dataset binding to show the worker accepts it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Miniflare } from 'miniflare';
import { edgeMiniflareOptions } from '../local.ts';
import { close, connect, expectRefusal, tunnelUrl } from './support/client.ts';
import { baseVars, startHarness, waitForOutcome, type Harness } from './support/harness.ts';
import { startEchoOrigin, type EchoOrigin } from './support/echo-origin.ts';
import { createTestKey, mintToken, type TestKey } from './support/tokens.ts';

describe('edge outcomes in Analytics Engine', () => {
  let harness: Harness;
  let key: TestKey;

  before(async () => {
    key = await createTestKey('k', 'ES256');
    harness = await startHarness({ keys: [key], recordOutcomes: true });
  });
  after(() => harness.close());

  it('writes an allowed upgrade: outcome, no code, origin, subject; status 101; indexed by outcome', async () => {
    const token = await mintToken(key, { claims: { sub: 'device-counted' } });
    const outcome = await connect(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${token}`,
    });
    assert.ok('open' in outcome);
    await close(outcome.open);
    const point = await waitForOutcome(harness, (p) => p.blobs?.[3] === 'device-counted');
    assert.deepEqual(point.blobs?.slice(0, 4), ['allowed', '', 'origin', 'device-counted']);
    // request.cf.colo: Miniflare's stand-in cf object names a location too.
    assert.match(point.blobs?.[4] ?? '', /^[A-Z]{3}$/);
    assert.equal(point.doubles?.[0], 101);
    assert.equal(typeof point.doubles?.[1], 'number');
    assert.deepEqual(point.indexes, ['allowed']);
  });

  it("writes the edge's refusal with its code, indexed by the code", async () => {
    await expectRefusal(tunnelUrl(harness.edge.url));
    const point = await waitForOutcome(harness, (p) => p.blobs?.[1] === 'ERR_EDGE_TOKEN_MISSING');
    assert.deepEqual(point.blobs?.slice(0, 4), ['refused', 'ERR_EDGE_TOKEN_MISSING', 'edge', '']);
    assert.equal(point.doubles?.[0], 401);
    assert.deepEqual(point.indexes, ['ERR_EDGE_TOKEN_MISSING']);
  });

  it("writes origin's refusal with origin's code and status", async () => {
    harness.origin.refuseWith = {
      status: 503,
      body: JSON.stringify({ error: 'ERR_UPSTREAM_ALL_DOWN', message: 'no upstream' }),
    };
    try {
      const token = await mintToken(key, { claims: { sub: 'device-outage' } });
      await expectRefusal(tunnelUrl(harness.edge.url), { authorization: `Bearer ${token}` });
    } finally {
      harness.origin.refuseWith = undefined;
    }
    const point = await waitForOutcome(harness, (p) => p.blobs?.[3] === 'device-outage');
    assert.deepEqual(point.blobs?.slice(0, 4), [
      'error',
      'ERR_UPSTREAM_ALL_DOWN',
      'origin',
      'device-outage',
    ]);
    assert.equal(point.doubles?.[0], 503);
    assert.deepEqual(point.indexes, ['ERR_UPSTREAM_ALL_DOWN']);
  });

  it('writes exactly one point per upgrade', async () => {
    const before = harness.outcomes.length;
    const token = await mintToken(key, { claims: { sub: 'device-once' } });
    for (let i = 0; i < 3; i++) {
      const outcome = await connect(tunnelUrl(harness.edge.url), {
        authorization: `Bearer ${token}`,
      });
      assert.ok('open' in outcome);
      await close(outcome.open);
    }
    await waitForOutcome(
      harness,
      () => harness.outcomes.filter((p) => p.blobs?.[3] === 'device-once').length === 3,
    );
    // Bounded settle: a fourth point for the same three upgrades would arrive with the others.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(harness.outcomes.length - before, 3);
  });
});

describe("edge outcomes: Miniflare's Analytics Engine binding", () => {
  let origin: EchoOrigin;
  let miniflare: Miniflare;
  let key: TestKey;
  const lines: string[] = [];

  before(async () => {
    key = await createTestKey('k', 'ES256');
    origin = await startEchoOrigin();
    const options = await edgeMiniflareOptions({
      vars: baseVars(origin, [key]),
      secrets: { ASSERTION_KEYS: `edge-1:${'A'.repeat(43)}` },
      onLog: (line) => lines.push(line),
    });
    const [worker] = options.workers;
    assert.ok(worker?.config.env);
    worker.config.env.OUTCOMES = { type: 'analytics-engine-dataset', name: 'beats_gate_outcomes' };
    miniflare = new Miniflare(options);
    await miniflare.ready;
  });
  after(async () => {
    await miniflare.dispose();
    await origin.close();
  });

  it('is accepted as OUTCOMES: healthz ok, tunnels open, no notice that it is missing', async () => {
    const url = (await miniflare.ready).href;
    const health = await fetch(new URL('/healthz', url));
    assert.equal(health.status, 200);
    await health.body?.cancel();
    const outcome = await connect(tunnelUrl(url), {
      authorization: `Bearer ${await mintToken(key)}`,
    });
    assert.ok('open' in outcome);
    await close(outcome.open);
    assert.ok(
      !lines.some((line) => line.includes('OUTCOMES')),
      `OUTCOMES was reported: ${lines.join('\n')}`,
    );
  });
});

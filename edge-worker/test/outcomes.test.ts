// What the edge's log says about an upgrade is what the device got: the status returned decides
// `result`, and a refusal from origin carries origin's own code.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { close, connect, expectRefusal, tunnelUrl } from './support/client.ts';
import { startHarness, waitForLog, type Harness } from './support/harness.ts';
import { createTestKey, mintToken, type TestKey } from './support/tokens.ts';

describe('edge log: results from the status returned', () => {
  let harness: Harness;
  let key: TestKey;

  before(async () => {
    key = await createTestKey('k', 'ES256');
    harness = await startHarness({ keys: [key] });
  });
  afterEach(() => {
    harness.origin.refuseWith = undefined;
  });
  after(() => harness.close());

  /** Upgrades as `subject` and returns what the device got and the edge's line about it. */
  async function upgradeAs(subject: string) {
    const token = await mintToken(key, { claims: { sub: subject } });
    const outcome = await connect(tunnelUrl(harness.edge.url), {
      authorization: `Bearer ${token}`,
    });
    if ('open' in outcome) await close(outcome.open);
    const line = await waitForLog(
      harness,
      (l) => l.event === 'edge.tunnel' && l.subject === subject,
    );
    return { outcome, line };
  }

  it('logs a 101 from origin as allowed, level info, without a code', async () => {
    const { outcome, line } = await upgradeAs('device-open');
    assert.ok('open' in outcome);
    assert.equal(line.result, 'allowed');
    assert.equal(line.level, 'info');
    assert.equal(line.status, 101);
    assert.equal(line.by, 'origin');
    assert.equal(line.code, undefined);
  });

  it("logs origin's 401 as refused, with origin's code and status, and passes it on as is", async () => {
    const body = JSON.stringify({ error: 'ERR_ASSERTION_UNKNOWN_KEY', message: 'unknown kid' });
    harness.origin.refuseWith = { status: 401, body };
    const { outcome, line } = await upgradeAs('device-rotation');
    assert.ok('refused' in outcome);
    assert.equal(outcome.refused.status, 401);
    assert.deepEqual(outcome.refused.body, JSON.parse(body));
    assert.equal(line.result, 'refused');
    assert.equal(line.level, 'warn');
    assert.equal(line.code, 'ERR_ASSERTION_UNKNOWN_KEY');
    assert.equal(line.status, 401);
    assert.equal(line.by, 'origin');
  });

  it("logs origin's 503 (Logstash down) as an error, level error, with origin's code", async () => {
    harness.origin.refuseWith = {
      status: 503,
      body: JSON.stringify({ error: 'ERR_UPSTREAM_ALL_DOWN', message: 'no upstream' }),
    };
    const { outcome, line } = await upgradeAs('device-outage');
    assert.ok('refused' in outcome);
    assert.equal(outcome.refused.status, 503);
    assert.equal(line.result, 'error');
    assert.equal(line.level, 'error');
    assert.equal(line.code, 'ERR_UPSTREAM_ALL_DOWN');
    assert.equal(line.status, 503);
  });

  it('logs a 200 page from something that is not an unwrapper as an error, without a code', async () => {
    harness.origin.refuseWith = {
      status: 200,
      body: '<html>welcome</html>',
      contentType: 'text/html',
    };
    const { outcome, line } = await upgradeAs('device-wrong-origin');
    assert.ok('refused' in outcome);
    assert.equal(outcome.refused.status, 200);
    assert.equal(line.result, 'error');
    assert.equal(line.code, undefined);
    assert.equal(line.status, 200);
  });

  it('takes no code from a body that does not hold one in the expected shape', async () => {
    harness.origin.refuseWith = {
      status: 403,
      body: JSON.stringify({ error: 'no such thing; DROP TABLE' }),
    };
    const { line } = await upgradeAs('device-odd-body');
    assert.equal(line.result, 'refused');
    assert.equal(line.code, undefined);
  });

  it('marks refusals of its own as by the edge', async () => {
    const refusal = await expectRefusal(tunnelUrl(harness.edge.url));
    assert.equal(refusal.status, 401);
    const line = await waitForLog(harness, (l) => l.code === 'ERR_EDGE_TOKEN_MISSING');
    assert.equal(line.by, 'edge');
    assert.equal(line.result, 'refused');
    assert.equal(line.level, 'warn');
  });

  it('puts a level on every line it wrote', () => {
    assert.ok(harness.logs.length > 5);
    for (const line of harness.logs) assert.match(String(line.level), /^(info|warn|error)$/);
  });
});

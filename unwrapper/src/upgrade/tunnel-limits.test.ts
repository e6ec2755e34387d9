import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UpgradeRefusal } from './refusal.ts';
import { createTunnelLimits } from './tunnel-limits.ts';

function refusedWith(fn: () => unknown, reason: string, status: number) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UpgradeRefusal);
    assert.equal(error.reason, reason);
    assert.equal(error.status, status);
    assert.equal(error.retryAfter, 7);
    return true;
  });
}

describe('tunnel limits', () => {
  it('refuses a subject over its limit with 429 and frees slots once', () => {
    const limits = createTunnelLimits({
      maxTunnels: 10,
      maxTunnelsPerSubject: 2,
      retryAfterSeconds: 7,
    });
    const first = limits.reserve('a');
    limits.reserve('a');
    refusedWith(() => limits.reserve('a'), 'subject_limit', 429);
    limits.reserve('b');
    first();
    first();
    assert.equal(limits.countFor('a'), 1);
    assert.equal(limits.total, 2);
    limits.reserve('a');
  });

  it('refuses everyone over the global limit with 503', () => {
    const limits = createTunnelLimits({
      maxTunnels: 2,
      maxTunnelsPerSubject: 5,
      retryAfterSeconds: 7,
    });
    limits.reserve('a');
    limits.reserve('b');
    refusedWith(() => limits.reserve('c'), 'global_limit', 503);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBackoff, parseRetryAfter } from './backoff.ts';

describe('createBackoff', () => {
  it('draws full jitter below a doubling ceiling capped at the maximum', () => {
    let now = 0;
    const backoff = createBackoff({
      initialMs: 1000,
      maxMs: 8000,
      now: () => now,
      random: () => 0.75,
    });
    const delays = [];
    for (let i = 0; i < 6; i++) {
      delays.push(backoff.failure());
      now += 100_000;
    }
    assert.deepEqual(delays, [750, 1500, 3000, 6000, 6000, 6000]);
  });

  it('spreads a fleet: delays differ with the random draw, from zero up', () => {
    const draws = [0, 0.25, 0.5, 0.999];
    const delays = draws.map((r) =>
      createBackoff({ initialMs: 1000, maxMs: 60_000, random: () => r }).failure(),
    );
    assert.deepEqual(delays, [0, 250, 500, 999]);
  });

  it('treats Retry-After as a floor before the jitter', () => {
    let now = 10_000;
    const backoff = createBackoff({
      initialMs: 1000,
      maxMs: 60_000,
      now: () => now,
      random: () => 0.5,
    });
    assert.equal(backoff.failure(30_000), 30_500);
    assert.equal(backoff.remainingMs(), 30_500);
    assert.equal(backoff.until, 40_500);
    now = 40_500;
    assert.equal(backoff.remainingMs(), 0);
    assert.equal(backoff.until, undefined);
  });

  it('counts failures that overlap one backoff window once, and resets on success', () => {
    let now = 0;
    const backoff = createBackoff({
      initialMs: 1000,
      maxMs: 60_000,
      now: () => now,
      random: () => 0.5,
    });
    backoff.failure();
    backoff.failure();
    backoff.failure();
    assert.equal(backoff.consecutiveFailures, 1);
    now = 10_000;
    backoff.failure();
    assert.equal(backoff.consecutiveFailures, 2);
    backoff.success();
    assert.equal(backoff.consecutiveFailures, 0);
    assert.equal(backoff.remainingMs(), 0);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, caps at an hour, ignores garbage', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('30', now), 30_000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
    assert.equal(parseRetryAfter('999999', now), 3_600_000);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });
});

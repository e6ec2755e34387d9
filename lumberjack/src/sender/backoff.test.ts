import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBackoff } from './backoff.ts';

describe('backoff', () => {
  it('doubles from the initial wait up to the maximum, with equal jitter', () => {
    const low = createBackoff(1000, 60_000, () => 0);
    assert.deepEqual(
      Array.from({ length: 8 }, () => low.next()),
      [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000],
    );
    const high = createBackoff(1000, 60_000, () => 1);
    assert.deepEqual(
      Array.from({ length: 8 }, () => high.next()),
      [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000],
    );
  });

  it('starts over after reset', () => {
    const b = createBackoff(10, 100, () => 1);
    b.next();
    b.next();
    b.reset();
    assert.equal(b.next(), 10);
  });
});

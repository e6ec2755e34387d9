import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReplayCache } from './replay-cache.ts';

describe('replay cache', () => {
  it('refuses an id seen within its lifetime and forgets it afterwards', () => {
    let clock = 1_000;
    const cache = createReplayCache({ ttlMs: 100, maxEntries: 10, now: () => clock });
    assert.equal(cache.remember('a'), true);
    assert.equal(cache.remember('a'), false);
    clock += 101;
    assert.equal(cache.remember('a'), true);
  });

  it('stays within maxEntries by dropping the oldest ids', () => {
    const cache = createReplayCache({ ttlMs: 60_000, maxEntries: 3, now: () => 0 });
    for (const id of ['a', 'b', 'c', 'd']) assert.equal(cache.remember(id), true);
    assert.equal(cache.size, 3);
    assert.equal(cache.evictions, 1);
    assert.equal(cache.remember('d'), false);
    assert.equal(cache.remember('a'), true);
  });
});

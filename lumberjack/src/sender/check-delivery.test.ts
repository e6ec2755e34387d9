import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDelivery } from './check-delivery.ts';
import { generateEvents } from './generate-events.ts';

describe('checkDelivery', () => {
  it('reports loss, duplicates and strangers by (run, seq)', () => {
    const received = [
      { run: 'r', seq: 0 },
      { run: 'r', seq: 2 },
      { run: 'r', seq: 2 },
      { run: 'r', seq: 2 },
      { run: 'other', seq: 1 },
      { run: 'r', seq: 9 },
      { run: 'r', seq: '1' },
    ];
    assert.deepEqual(checkDelivery({ runId: 'r', count: 4 }, received), {
      delivered: 2,
      missing: [1, 3],
      duplicates: 2,
      unexpected: 3,
    });
  });

  it('accepts a complete run in any order', () => {
    const events = [...generateEvents(100, { runId: 'x' })].reverse();
    assert.deepEqual(checkDelivery({ runId: 'x', count: 100 }, events), {
      delivered: 100,
      missing: [],
      duplicates: 0,
      unexpected: 0,
    });
  });
});

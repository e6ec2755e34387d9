import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateEvents } from './generate-events.ts';

describe('generateEvents', () => {
  it('yields Filebeat-shaped events with unique seq per run', () => {
    const events = [...generateEvents(3, { runId: 'run-1', messageBytes: 20 })];
    assert.equal(events.length, 3);
    events.forEach((event, i) => {
      assert.deepEqual(Object.keys(event), ['@timestamp', 'host', 'message', 'run', 'seq']);
      assert.equal(event.run, 'run-1');
      assert.equal(event.seq, i);
      assert.equal((event.message as string).length, 20);
      assert.match(event['@timestamp'] as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(typeof (event.host as { name: unknown }).name, 'string');
    });
  });

  it('gives each run its own id by default', () => {
    const [a] = generateEvents(1);
    const [b] = generateEvents(1);
    assert.notEqual(a?.run, b?.run);
  });

  it('rejects a bad count', () => {
    assert.throws(() => [...generateEvents(-1)], RangeError);
  });
});

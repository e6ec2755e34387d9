import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { encodeAck } from '@beats-gate/lumberjack';
import { createAckTracker, MAX_TRACKED_WINDOWS } from './ack-tracker.ts';
import { levelFromZlibHeader } from './zlib-level.ts';

describe('ack tracker', () => {
  it('matches acks to windows in order, ignores keep-alives and partial acks', () => {
    let clock = 1000;
    const tracker = createAckTracker(() => clock);
    tracker.sent(2048);
    clock += 5;
    tracker.sent(2048);
    tracker.sent(10);
    assert.equal(tracker.inFlight, 3);
    const bytes = Buffer.concat([encodeAck(0), encodeAck(1000), encodeAck(2048)]);
    clock += 10;
    // Split inside a frame: acks straddle TCP reads too.
    assert.deepEqual(tracker.observe(bytes.subarray(0, 9)), []);
    assert.deepEqual(tracker.observe(bytes.subarray(9)), [15]);
    assert.equal(tracker.inFlight, 2);
    // A cumulative ack of the last window covers the one before.
    assert.equal(tracker.observe(encodeAck(10)).length, 2);
    assert.equal(tracker.inFlight, 0);
  });

  it('gives up on bytes that are not acks', () => {
    const tracker = createAckTracker();
    tracker.sent(1);
    assert.deepEqual(tracker.observe(Buffer.from('HTTP/1.1 400')), []);
    assert.equal(tracker.lost, true);
    assert.deepEqual(tracker.observe(encodeAck(1)), []);
  });

  it('follows at most MAX_TRACKED_WINDOWS windows, and none of sequence 0', () => {
    const tracker = createAckTracker();
    for (let i = 1; i <= MAX_TRACKED_WINDOWS + 5; i++) tracker.sent(i);
    assert.equal(tracker.inFlight, MAX_TRACKED_WINDOWS);
    assert.equal(tracker.lost, true, 'past the cap the count is not trusted');
    const zero = createAckTracker();
    zero.sent(0);
    assert.equal(zero.inFlight, 0);
    assert.equal(zero.lost, true, 'a window acked by A 0 cannot be told from a keep-alive');
  });
});

describe('zlib level', () => {
  it('maps each level to one of the same FLEVEL band, 0 to 0, and 7-9 to 6', () => {
    const content = Buffer.from('x'.repeat(1000));
    const band = (level: number) => (level <= 1 ? 0 : level <= 5 ? 1 : level === 6 ? 2 : 3);
    for (let level = 0; level <= 9; level++) {
      const z = deflateSync(content, { level });
      const chosen = levelFromZlibHeader([z[0]!, z[1]!, z[2]!]);
      // Levels 7-9 are re-compressed at 6: level 9 is the device's lever on our CPU.
      assert.equal(band(chosen), Math.min(band(level), 2), `level ${level} -> ${chosen}`);
      if (level === 0) assert.equal(chosen, 0);
    }
    assert.equal(levelFromZlibHeader([0x78, 0x5e, 0]), 3);
  });
});

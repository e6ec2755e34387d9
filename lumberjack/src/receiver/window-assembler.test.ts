import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AssemblerFrame } from './window-assembler.ts';
import { createWindowAssembler } from './window-assembler.ts';

const w = (size: number): AssemblerFrame => ({ type: 'window', version: 2, size });
const j = (seq: number): AssemblerFrame => ({
  type: 'json',
  version: 2,
  seq,
  payload: Buffer.from(`{"s":${seq}}`),
  event: { s: seq },
});

describe('window assembler', () => {
  it('completes a window when it holds as many events as announced', () => {
    const a = createWindowAssembler();
    assert.equal(a.push(w(2)), undefined);
    assert.equal(a.push(j(1)), undefined);
    assert.equal(a.openEvents, 1);
    const batch = a.push(j(2));
    assert.deepEqual(batch?.events, [{ s: 1 }, { s: 2 }]);
    assert.equal(batch?.ackSeq, 2);
    assert.equal(batch?.partial, false);
    assert.equal(batch?.payloads?.length, 2);
    assert.equal(a.openEvents, 0);
  });

  it('flushes the partial window on an early W, acking the highest seq seen', () => {
    const a = createWindowAssembler();
    a.push(w(5));
    a.push(j(1));
    a.push(j(3)); // a gap: counted, still acked as Logstash would
    const batch = a.push(w(1));
    assert.deepEqual(
      {
        size: batch?.windowSize,
        n: batch?.events.length,
        ack: batch?.ackSeq,
        partial: batch?.partial,
      },
      { size: 5, n: 2, ack: 3, partial: true },
    );
    assert.equal(a.sequenceAnomalies, 1);
    assert.equal(a.push(j(1))?.ackSeq, 1);
  });

  it('replaces an empty window announced twice without flushing anything', () => {
    const a = createWindowAssembler();
    a.push(w(3));
    assert.equal(a.push(w(1)), undefined);
    assert.equal(a.push(j(1))?.windowSize, 1);
  });

  it('opens nothing on W 0, so a following event is a protocol error', () => {
    const a = createWindowAssembler();
    assert.equal(a.push(w(0)), undefined);
    assert.throws(() => a.push(j(1)), { code: 'ERR_LJ_RECEIVER_NO_WINDOW' });
  });

  it('refuses events after a complete window and acks from the Beat', () => {
    const a = createWindowAssembler();
    a.push(w(1));
    a.push(j(1));
    assert.throws(() => a.push(j(2)), { code: 'ERR_LJ_RECEIVER_NO_WINDOW' });
    assert.throws(() => a.push({ type: 'ack', version: 2, seq: 1 }), {
      code: 'ERR_LJ_RECEIVER_UNEXPECTED_FRAME',
    });
  });
});

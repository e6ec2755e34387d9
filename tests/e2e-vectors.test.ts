/**
 * Real Filebeat bytes through the whole local chain: client → edge (workerd) → unwrapper →
 * receiver. Logstash's side must answer exactly the recorded acks, and the receiver must get
 * exactly the recorded events.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestStack, type StackFixture } from './support/stack-fixture.ts';
import { loadVector, VECTOR_NAMES } from './support/vectors.ts';

/** Writes `bytes` in random pieces and collects the answer until it is `expected` long. */
function exchange(port: number, bytes: Buffer, expectedLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    let length = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`only ${length} of ${expectedLength} answer bytes within 20 s`));
    }, 20_000);
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      length += chunk.length;
      if (length >= expectedLength) {
        clearTimeout(timer);
        socket.end();
        resolve(Buffer.concat(received));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('connect', () => {
      // Random write sizes: the tunnel must not depend on how Beats' writes are cut.
      for (let offset = 0; offset < bytes.length;) {
        const size = 1 + Math.floor(Math.random() * 70_000);
        socket.write(bytes.subarray(offset, offset + size));
        offset += size;
      }
    });
  });
}

describe('the recorded Filebeat streams through the whole chain', () => {
  let fixture: StackFixture;
  before(async () => {
    fixture = await startTestStack(undefined);
  });
  after(() => fixture?.close());

  let expectedEvents = 0;
  for (const name of VECTOR_NAMES) {
    it(`${name}: exactly the recorded acks and events`, async (t) => {
      const vector = await loadVector(name);
      const answer = await exchange(
        fixture.stack.ports.client,
        vector.beatToLogstash,
        vector.logstashToBeat.length,
      ).catch((error: unknown) => {
        t.diagnostic(fixture.logs.slice(-50).join('\n'));
        throw error;
      });
      assert.deepEqual(answer, vector.logstashToBeat);

      expectedEvents += vector.events.length;
      let events = await fixture.readEvents();
      // The ack follows the file write, so the events are there already; allow the file a moment.
      for (let i = 0; i < 50 && events.length < expectedEvents; i++) {
        await sleep(20);
        events = await fixture.readEvents();
      }
      assert.deepEqual(events.slice(expectedEvents - vector.events.length), vector.events);
    });
  }
});

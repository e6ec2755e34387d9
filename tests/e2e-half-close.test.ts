/**
 * A TCP half-close through the whole chain: client → edge (workerd) → unwrapper → receiver. A
 * Beat that sends a window and then shuts its write side gets the window's ack and then a clean
 * end, as it does from Logstash directly: its FIN reaches Logstash as a FIN, Logstash's acks
 * still come back, and Logstash's own FIN comes back as a FIN (docs/design.md, "Half-close").
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { createDecoder, encodeAck, encodeJson, encodeWindow } from '@beats-gate/lumberjack';
import { within } from '@beats-gate/kit';
import { useStackWithReceiver } from './support/stack-fixture.ts';

const LIMIT_MS = 20_000;

for (const inspect of ['off', 'stamp'] as const) {
  describe(`half-close through the whole chain (unwrapper inspect=${inspect})`, () => {
    const chain = useStackWithReceiver({
      unwrapper: { BEATS_GATE_UNWRAPPER_INSPECT: inspect },
    });

    it('a window, then FIN: the ack arrives, then the connection ends cleanly', async () => {
      const run = `half-close-${inspect}-${Date.now()}`;
      const events = [1, 2, 3].map((seq) => ({ run, seq, message: `event ${seq}` }));
      // allowHalfOpen: this Beat keeps reading after its FIN, as Filebeat does.
      const beat = connect({
        host: '127.0.0.1',
        port: chain.fixture.stack.ports.client,
        allowHalfOpen: true,
      });
      await within(once(beat, 'connect'), 'the client to accept', LIMIT_MS);
      const received: Buffer[] = [];
      beat.on('data', (chunk: Buffer) => received.push(chunk));
      const ended = within(once(beat, 'end'), "Logstash's FIN at the Beat", LIMIT_MS);
      beat.end(
        Buffer.concat([encodeWindow(3), ...events.map((event, i) => encodeJson(i + 1, event))]),
      );
      await ended;
      // The ack came before the end, and nothing else.
      const frames = createDecoder().push(Buffer.concat(received));
      assert.deepEqual(
        frames.filter((f) => f.type === 'ack' && f.seq !== 0),
        createDecoder().push(encodeAck(3)),
      );
      beat.end();
      await within(once(beat, 'close'), 'the Beat connection to close', LIMIT_MS);
      assert.equal(chain.receiver.countRun(run), 3);
    });
  });
}

/**
 * Windows far larger than anything the Lumberjack-aware mode holds: 2 × 2048 events of 40 KB at
 * Filebeat's compression level, through client → edge (workerd) → unwrapper → receiver, in
 * validate and in stamp mode. Each window inflates to about 80 MB; the earlier design held a
 * window whole and refused it past 64 MiB on every resend, so the Beat was stuck forever while
 * Logstash directly (and the byte tunnel) accepted it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSender } from '@beats-gate/lumberjack';
import { useStackWithReceiver } from './support/stack-fixture.ts';

const WORDS = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike'.split(
  ' ',
);

/** About `bytes` of log-like text (compresses about 4:1, like real logs), the same for a seed. */
function message(seed: number, bytes: number): string {
  let state = seed * 2654435761 + 1;
  const words: string[] = [];
  let length = 0;
  while (length < bytes) {
    state = (state * 1103515245 + 12345) >>> 0;
    const word = `${WORDS[state % WORDS.length]!}${state % 997}`;
    words.push(word);
    length += word.length + 1;
  }
  return words.join(' ').slice(0, bytes);
}

for (const mode of ['validate', 'stamp'] as const) {
  describe(`Lumberjack-aware ${mode} mode with windows of 80 MB`, () => {
    const chain = useStackWithReceiver({
      subject: 'device-large',
      unwrapper: { BEATS_GATE_UNWRAPPER_INSPECT: mode },
    });

    it('4,096 events of 40 KB in windows of 2048 at compression 3 are all acknowledged', async () => {
      const runId = `large-${mode}-${Date.now()}`;
      const count = 4096;
      const events = Array.from({ length: count }, (_, seq) => ({
        run: runId,
        seq,
        message: message(seq, 40 * 1024),
      }));
      const sender = createSender({
        host: '127.0.0.1',
        port: chain.fixture.stack.ports.client,
        batchSize: 2048,
        compressionLevel: 3,
        maxAttempts: 1,
      });
      try {
        const result = await sender.send(events);
        assert.equal(result.acked, count);
        assert.equal(result.connections, 1, 'the windows passed on the first connection');
      } finally {
        sender.close();
      }
      const received = chain.receiver.events.filter((event) => event.run === runId);
      assert.equal(received.length, count);
      for (const event of received) {
        const seq = event.seq as number;
        assert.equal(event.message, events[seq]!.message, `event ${seq} changed`);
        const metadata = event['@metadata'] as Record<string, Record<string, unknown>> | undefined;
        if (mode === 'stamp') assert.equal(metadata?.beats_gate?.subject, 'device-large');
        else assert.equal(metadata, undefined);
      }
    });
  });
}

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

export interface GenerateOptions {
  /** Default: a random UUID. Marks every event, so runs can share one receiver. */
  runId?: string;
  /** Default 100: length of the message field (ASCII). */
  messageBytes?: number;
}

/**
 * Test events shaped like Filebeat's: {"@timestamp", "host": {"name"}, "message", "run", "seq"},
 * seq counting 0..count-1, so checkDelivery can tell loss from duplication. Lazy: a million
 * events cost no memory until sent.
 */
export function* generateEvents(
  count: number,
  options: GenerateOptions = {},
): Generator<Record<string, unknown>, void, undefined> {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`count must be an integer >= 0, got ${String(count)}`);
  }
  const messageBytes = options.messageBytes ?? 100;
  if (!Number.isInteger(messageBytes) || messageBytes < 0) {
    throw new RangeError(`messageBytes must be an integer >= 0, got ${String(messageBytes)}`);
  }
  const run = options.runId ?? randomUUID();
  const host = { name: hostname() };
  const filler = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(messageBytes / 36) + 1);
  let stampMs = -1;
  let stamp = '';
  for (let seq = 0; seq < count; seq++) {
    // One Date per millisecond, not per event: formatting dominates otherwise.
    const now = Date.now();
    if (now !== stampMs) {
      stampMs = now;
      stamp = new Date(now).toISOString();
    }
    const prefix = `event ${seq} `;
    const message =
      prefix.length >= messageBytes
        ? prefix.slice(0, messageBytes)
        : prefix + filler.slice(0, messageBytes - prefix.length);
    yield { '@timestamp': stamp, host, message, run, seq };
  }
}

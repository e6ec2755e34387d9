import { SenderError } from './errors.ts';
import type { OutgoingWindow } from './outgoing-window.ts';
import { createOutgoingWindow, encodeOutgoing } from './outgoing-window.ts';

type Events = AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>;

export interface WindowSource {
  /** The next encoded window, or undefined once the input is exhausted. */
  next(): Promise<OutgoingWindow | undefined>;
}

/**
 * Cuts the input into windows of batchSize events, serialises each event once and encodes the
 * window (compressing on the thread pool). One window is prepared ahead, so serialising and
 * compressing overlap with the windows in flight.
 */
export function createWindowSource(
  events: Events,
  batchSize: number,
  compressionLevel: number,
): WindowSource {
  const take = isAsync(events)
    ? takeAsync(events[Symbol.asyncIterator](), batchSize)
    : takeSync(events[Symbol.iterator](), batchSize);
  let index = 0;
  let ahead: Promise<OutgoingWindow | undefined> | undefined;

  async function prepare(): Promise<OutgoingWindow | undefined> {
    const payloads = await take();
    if (payloads.length === 0) return undefined;
    const window = createOutgoingWindow(++index, payloads);
    await encodeOutgoing(window, 0, compressionLevel);
    return window;
  }

  return {
    next() {
      const current = ahead ?? prepare();
      ahead = current.then((window) => (window === undefined ? undefined : prepare()));
      // A failure surfaces from the next call; until then it must not count as unhandled.
      ahead.catch(() => {});
      return current;
    },
  };
}

function isAsync(events: Events): events is AsyncIterable<Record<string, unknown>> {
  return typeof (events as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}

function serialise(event: unknown): string {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new SenderError(
      'ERR_LJ_SENDER_BAD_EVENT',
      `an event must be a JSON object, got ${typeof event}`,
    );
  }
  try {
    return JSON.stringify(event);
  } catch (err) {
    throw new SenderError('ERR_LJ_SENDER_BAD_EVENT', 'an event could not be serialised to JSON', {
      cause: err,
    });
  }
}

function takeSync(
  iterator: Iterator<Record<string, unknown>>,
  batchSize: number,
): () => Promise<string[]> {
  let finished = false;
  return () => {
    const payloads: string[] = [];
    while (!finished && payloads.length < batchSize) {
      const step = iterator.next();
      if (step.done === true) finished = true;
      else payloads.push(serialise(step.value));
    }
    return Promise.resolve(payloads);
  };
}

function takeAsync(
  iterator: AsyncIterator<Record<string, unknown>>,
  batchSize: number,
): () => Promise<string[]> {
  let finished = false;
  return async () => {
    const payloads: string[] = [];
    while (!finished && payloads.length < batchSize) {
      const step = await iterator.next();
      if (step.done === true) finished = true;
      else payloads.push(serialise(step.value));
    }
    return payloads;
  };
}

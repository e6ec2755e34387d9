import { createFrameReader, inflateFrames } from '../codec/index.ts';
import type { ContentFrame, DecoderOptions } from '../codec/index.ts';

export interface FrameFeedHandlers {
  /** Each frame in stream order, a C frame's content in its place. A throw stops the feed. */
  frame(frame: ContentFrame['frame']): void;
  /** True while a C frame inflates: the owner stops reading, so nothing piles up meanwhile. */
  inflating(busy: boolean): void;
  /** After end(), once every byte was turned into frames. */
  ended(): void;
  /** A decode error, or what `frame` threw. Nothing is delivered after it. */
  failed(error: unknown): void;
}

export interface FrameFeed {
  push(chunk: Buffer): void;
  /** No more bytes: `ended` follows once the frames are out, or `failed` (ERR_LJ_TRUNCATED). */
  end(): void;
  /** Delivers nothing more (the connection is gone). */
  stop(): void;
}

/**
 * Turns a connection's bytes into its frames, each with its exact bytes: top-level frames from
 * the codec's frame reader, and a C frame's content from inflateFrames, which inflates on the
 * thread pool a chunk at a time instead of holding the event loop for a whole window.
 */
export function createFrameFeed(
  limits: Omit<DecoderOptions, 'parseJson'> | undefined,
  handlers: FrameFeedHandlers,
): FrameFeed {
  const reader = createFrameReader(limits);
  let inflating = false;
  let ending = false;
  let stopped = false;

  function fail(error: unknown): void {
    if (stopped) return;
    stopped = true;
    handlers.failed(error);
  }

  /** Hands out every frame the bytes so far complete, up to the next C frame. */
  function pump(): void {
    if (inflating || stopped) return;
    try {
      for (let next = reader.next(); next !== undefined; next = reader.next()) {
        const { frame } = next;
        if (frame.type === 'compressed') {
          void inflate(frame.payload);
          return;
        }
        handlers.frame(frame);
        if (stopped) return;
      }
      if (ending) {
        reader.end();
        stopped = true;
        handlers.ended();
      }
    } catch (error) {
      fail(error);
    }
  }

  async function inflate(payload: Buffer): Promise<void> {
    inflating = true;
    handlers.inflating(true);
    try {
      for await (const frames of inflateFrames(payload, limits)) {
        for (const { frame } of frames) {
          // Leaving the loop ends the generator, which stops its inflater.
          if (stopped) return;
          handlers.frame(frame);
        }
      }
    } catch (error) {
      fail(error);
      return;
    } finally {
      inflating = false;
    }
    if (stopped) return;
    handlers.inflating(false);
    pump();
  }

  return {
    push(chunk) {
      if (stopped) return;
      reader.push(chunk);
      pump();
    },
    end() {
      ending = true;
      pump();
    },
    stop() {
      stopped = true;
    },
  };
}

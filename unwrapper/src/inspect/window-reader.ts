/**
 * Groups top-level frames into windows and holds them until each is complete: a window is its W
 * frame and the frames carrying its events, and it is released only when every announced event
 * has arrived and decoded, so a partial or corrupted window never leaves the origin (DESIGN.md
 * §2). Beats never send the shapes refused here; refusing them (which closes the tunnel, and the
 * Beat resends) is safer than guessing what Logstash would make of them.
 */
import type { Version } from '@beats-gate/lumberjack';
import { InspectError } from './inspect-error.ts';
import type { RawFrame } from './frame-splitter.ts';

export interface Window {
  readonly version: Version;
  /** Events announced by the W frame (0 for a `W 0`, which opens nothing). */
  readonly size: number;
  /** The raw frames, W first, in arrival order. */
  readonly frames: RawFrame[];
  /** Highest event sequence number: what Logstash's ack for this window carries. */
  readonly highestSeq: number;
  /** Raw bytes of the window on the wire. */
  readonly wireBytes: number;
  /** True when any of its frames came in a C frame. */
  readonly compressed: boolean;
}

export interface WindowReader {
  /** Takes one raw frame; returns the window it completed, if any. Throws InspectError. */
  push(frame: RawFrame): Window | undefined;
  /** Bytes held for the window being received. */
  readonly heldBytes: number;
}

interface Open {
  version: Version;
  size: number;
  events: number;
  highestSeq: number;
  frames: RawFrame[];
  wireBytes: number;
  /** Wire bytes plus inflated JSON bytes: what the limit is checked against. */
  weight: number;
  compressed: boolean;
}

export function createWindowReader(options: { maxWindowBytes: number }): WindowReader {
  let open: Open | undefined;

  function weigh(window: Open, raw: RawFrame) {
    window.wireBytes += raw.length;
    window.weight += raw.length;
    if (raw.type === 0x43) {
      window.compressed = true;
      for (const frame of raw.frames) {
        if (frame.type === 'json') window.weight += frame.payload.length;
      }
    }
    if (window.weight > options.maxWindowBytes) {
      throw new InspectError(
        'ERR_INSPECT_WINDOW_BYTES',
        `window of ${window.size} events passed inspectMaxWindowBytes (${options.maxWindowBytes}) after ${window.events} events`,
      );
    }
  }

  function opened(version: Version, size: number): Open {
    return {
      version,
      size,
      events: 0,
      highestSeq: 0,
      frames: [],
      wireBytes: 0,
      weight: 0,
      compressed: false,
    };
  }

  return {
    push(raw) {
      /** The window this raw frame completed, if any. */
      let done: Open | undefined;
      /** The window this raw frame belongs to. */
      let owner = open;
      for (const frame of raw.frames) {
        if (done) {
          throw new InspectError(
            'ERR_INSPECT_FRAME_SPANS_WINDOWS',
            'a compressed frame holds the end of one window and more frames after it',
          );
        }
        switch (frame.type) {
          case 'window': {
            if (open) {
              throw new InspectError(
                'ERR_INSPECT_WINDOW_INCOMPLETE',
                `a new window (W ${frame.size}) arrived after ${open.events} of ${open.size} events`,
              );
            }
            open = opened(frame.version, frame.size);
            owner = open;
            if (frame.size === 0) done = open;
            break;
          }
          case 'json':
          case 'data': {
            if (!open) {
              throw new InspectError(
                'ERR_INSPECT_NO_WINDOW',
                `event with sequence ${frame.seq} arrived outside a window (no W frame announced it)`,
              );
            }
            open.events++;
            if (frame.seq > open.highestSeq) open.highestSeq = frame.seq;
            if (open.events === open.size) done = open;
            break;
          }
          case 'ack':
            throw new InspectError(
              'ERR_INSPECT_UNEXPECTED_ACK',
              'an ack frame arrived from the Beat side (only Logstash sends acks)',
            );
        }
        if (done) open = undefined;
      }
      if (!owner) {
        // Only an empty C frame gets here; it is refused rather than dropped or sent alone.
        throw new InspectError('ERR_INSPECT_NO_WINDOW', 'a compressed frame outside a window');
      }
      owner.frames.push(raw);
      weigh(owner, raw);
      if (!done) return undefined;
      return {
        version: done.version,
        size: done.size,
        frames: done.frames,
        highestSeq: done.highestSeq,
        wireBytes: done.wireBytes,
        compressed: done.compressed,
      };
    },
    get heldBytes() {
      return open?.wireBytes ?? 0;
    },
  };
}

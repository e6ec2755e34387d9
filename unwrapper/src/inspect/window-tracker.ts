/**
 * Follows the window structure of the Beat→Logstash stream as its frames go by: which window is
 * open, how many of its events have passed, and its highest sequence number (what Logstash's ack
 * for it carries). Beats never send the shapes refused here; refusing them (which closes the
 * tunnel, and the Beat resends) is safer than guessing what Logstash would make of them.
 */
import type { EventFrame } from './event-encoder.ts';
import { InspectError } from './inspect-error.ts';

/** A window whose last event has passed. */
export interface CompletedWindow {
  /** Events announced by its W frame (0 for a `W 0`, which opens nothing and gets no ack). */
  readonly size: number;
  readonly highestSeq: number;
}

export function createWindowTracker() {
  /** The window between its W frame and its last event, and how many of them have passed. */
  let open: { size: number; events: number; highestSeq: number } | undefined;

  return {
    /** Takes the next frame of the stream; returns the window it completed. Throws InspectError. */
    accept(frame: EventFrame): CompletedWindow | undefined {
      switch (frame.type) {
        case 'window': {
          if (open) {
            throw new InspectError(
              'ERR_INSPECT_WINDOW_INCOMPLETE',
              `a new window (W ${frame.size}) arrived after ${open.events} of ${open.size} events`,
            );
          }
          // W 0 opens nothing and gets no ack: there is nothing to follow.
          if (frame.size > 0) open = { size: frame.size, events: 0, highestSeq: 0 };
          return undefined;
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
          if (open.events < open.size) return undefined;
          const done = open;
          open = undefined;
          return done;
        }
        case 'ack':
          throw new InspectError(
            'ERR_INSPECT_UNEXPECTED_ACK',
            'an ack frame arrived from the Beat side (only Logstash sends acks)',
          );
      }
    },
    /** True between a window's W frame and its last event. */
    get inWindow(): boolean {
      return open !== undefined;
    },
  };
}

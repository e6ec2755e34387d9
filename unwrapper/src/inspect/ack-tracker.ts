/**
 * Follows Logstash's acks for the windows forwarded on one tunnel, reading the Logstash→Beat bytes
 * as they pass (they are forwarded untouched by the tunnel, promptly, whatever happens here).
 * Logstash acks each window once, with its highest sequence number; `A 0` is a keep-alive. An ack
 * that matches no window in flight is a partial ack of the oldest one and completes nothing. If
 * the bytes stop looking like acks, tracking gives up (`lost`) rather than guess: a drain then
 * waits for its grace period instead of trusting a count it cannot read.
 */
import { createDecoder } from '@beats-gate/lumberjack';

interface InFlight {
  readonly highestSeq: number;
  readonly sentAt: number;
}

/**
 * Windows followed at once. Beats pipeline a few windows (Filebeat's default is 2); past this
 * many unacknowledged, tracking gives up (`lost`) rather than grow with what a device sends.
 */
export const MAX_TRACKED_WINDOWS = 1024;

export function createAckTracker(now: () => number = Date.now) {
  // Acks are 6-byte frames; anything bigger from Logstash means it is not speaking Lumberjack.
  const decoder = createDecoder({ maxFrameBytes: 64, maxWindowSize: 1 });
  const inFlight: InFlight[] = [];
  let lost = false;

  return {
    /** A window (with events) was written to Logstash. */
    sent(highestSeq: number) {
      // An ack of 0 is a keep-alive: a window whose events all carry sequence 0 cannot be told
      // acknowledged, and following it would only keep it forever.
      if (highestSeq === 0 || inFlight.length >= MAX_TRACKED_WINDOWS) lost = true;
      if (!lost) inFlight.push({ highestSeq, sentAt: now() });
    },
    /**
     * Bytes from Logstash; returns how long each window they acknowledged waited for its ack
     * (milliseconds, oldest window first).
     */
    observe(chunk: Buffer): number[] {
      if (lost) return [];
      const done: number[] = [];
      try {
        for (const frame of decoder.push(chunk)) {
          // Bytes that are not acks are not Logstash speaking Lumberjack: stop following.
          if (frame.type !== 'ack') throw new Error(`a ${frame.type} frame from Logstash`);
          // 0 is a keep-alive. Acks are cumulative: one for a later window covers those before.
          const index =
            frame.seq === 0 ? -1 : inFlight.findIndex((w) => w.highestSeq === frame.seq);
          const at = now();
          for (const window of inFlight.splice(0, index + 1)) done.push(at - window.sentAt);
        }
      } catch {
        lost = true;
      }
      return done;
    },
    /** Windows written and not yet acknowledged (a floor once tracking gave up: see `lost`). */
    get inFlight() {
      return inFlight.length;
    },
    /** True once the upstream bytes could not be read as acks. */
    get lost() {
      return lost;
    },
  };
}

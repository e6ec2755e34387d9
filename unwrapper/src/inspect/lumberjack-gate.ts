/**
 * The Lumberjack-aware side of one tunnel, as one unit. The tunnel hands it the Beat's bytes
 * (instead of writing them to Logstash) and shows it Logstash's bytes (after forwarding them).
 *
 * Frames travel as soon as they are checked, event by event, so no window is ever held whole and
 * no window is too large to pass: what the gate holds is the frame being read (a C frame's
 * compressed bytes at most, inflated as a stream) and what waits to be written. Every event that
 * is written was validated (and stamped) first. When a window turns out bad midway, the tunnel is
 * closed before its last event is written: Logstash has seen its W frame and some of its events,
 * never all of them, so it never processes or acknowledges that window, and the Beat resends it
 * whole on its next connection (docs/unwrapper.md, "When a window is refused").
 *
 * Backpressure is one number: `bufferedBytes`, what waits to be written. push() returns false
 * while the gate cannot take more (a C frame is being inflated, or a drain reached its boundary),
 * like ws's stream adapter; `resumeClient` tells the tunnel when that changes.
 *
 * The batch-boundary drain stops at the end of the current window: it lets the open window finish
 * (its first frames are already with Logstash), writes nothing after it, waits until every window
 * written was acknowledged, then closes (1001 on shutdown, 1008 on token expiry), so the Beat
 * reconnects with nothing Logstash already has.
 */
import {
  createFrameReader,
  inflateFrames,
  encodeCompressedAsync,
  type CompressedFrame,
} from '@beats-gate/lumberjack';
import { CloseCode, type EdgeIdentity } from '@beats-gate/protocol';
import { createAckTracker } from './ack-tracker.ts';
import { createClaimsPolicy, type ClaimCheck, type ClaimPolicyMode } from './claims-policy.ts';
import { createEventEncoder } from './event-encoder.ts';
import { identityOf } from './identity-stamp.ts';
import { InspectError, toInspectError } from './inspect-error.ts';
import { createJsonStamper } from './json-stamp.ts';
import { createOrderedOutput } from './ordered-output.ts';
import { OutputBuffer } from './output-buffer.ts';
import { createWindowTracker, type CompletedWindow } from './window-tracker.ts';
import { levelFromZlibHeader } from './zlib-level.ts';

export type InspectMode = 'validate' | 'stamp';
export type DrainReason = 'shutdown' | 'token_expired';

export interface GateLimits {
  /** Largest J or D frame, and largest C frame (compressed): what one frame may hold. */
  readonly maxFrameBytes: number;
  readonly maxWindowSize: number;
  /** Largest inflated content of one C frame: a bound on CPU (it is streamed, not held). */
  readonly maxInflatedBytes: number;
}

export interface GateSettings {
  readonly mode: InspectMode;
  readonly field: readonly string[];
  readonly claims: readonly string[];
  readonly compressionLevel?: number;
  readonly limits: GateLimits;
  readonly policyMode: ClaimPolicyMode;
  readonly checks: readonly ClaimCheck[];
  /** Close at a window boundary with 1008 once the token's exp has passed. */
  readonly drainOnTokenExpiry: boolean;
  /** Longest wait for the acks of an expiry drain before closing anyway. */
  readonly drainTimeoutMs: number;
}

export interface GateHooks {
  /** Write bytes towards Logstash, in order. */
  write(chunks: Buffer[]): void;
  /** Close the tunnel (both ends) with this code. */
  close(code: number, reason: string): void;
  /** A drain reached its window boundary: read the Beat no further. */
  pauseClient(): void;
  /** The gate can take bytes again, or holds fewer: re-check whether to read the Beat. */
  resumeClient(): void;
}

/** What the unwrapper's metrics and logs see of a gate (gate-observer.ts); every call optional. */
export interface GateObserver {
  window?(events: number, mode: InspectMode): void;
  ack?(latencyMs: number): void;
  mismatch?(): void;
  reject?(error: InspectError): void;
  drain?(reason: DrainReason, windowsInFlight: number): void;
}

export interface GateStats {
  windows: number;
  events: number;
  windowsAcked: number;
  claimMismatches: number;
  rejectCode?: string;
  drain?: DrainReason;
}

/** Stamped C frames are re-compressed in runs of about this much content. */
const DEFLATE_RUN_BYTES = 1024 * 1024;
/** A C frame's inflation waits while this much is queued towards Logstash. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createLumberjackGate(
  settings: GateSettings,
  context: { identity: EdgeIdentity; tunnelId: string; now: () => number },
  hooks: GateHooks,
  observer: GateObserver = {},
) {
  const { identity, now } = context;
  const { limits, mode } = settings;
  const stats: GateStats = { windows: 0, events: 0, windowsAcked: 0, claimMismatches: 0 };
  const reader = createFrameReader({
    maxFrameBytes: limits.maxFrameBytes,
    maxWindowSize: limits.maxWindowSize,
  });
  const windows = createWindowTracker();
  const acks = createAckTracker(now);
  const events = createEventEncoder({
    identity: identityOf(identity, context.tunnelId, settings.claims),
    field: settings.field,
    stamper: createJsonStamper(settings.field),
    ...(settings.policyMode !== 'off'
      ? { policy: createClaimsPolicy(settings.checks, identity.claims) }
      : {}),
    policyMode: settings.policyMode,
    onMismatch() {
      stats.claimMismatches++;
      observer.mismatch?.();
    },
  });
  const output = createOrderedOutput({
    write: (chunks) => hooks.write(chunks),
    onWritten(completed) {
      for (const window of completed) {
        stats.windows++;
        stats.events += window.size;
        // W 0 opens nothing and gets no ack.
        if (window.size > 0) acks.sent(window.highestSeq, window.size);
        observer.window?.(window.size, mode);
      }
      maybeFinishDrain();
    },
    onError: (error) => fail(error),
  });
  /** Stamp mode: frames outside C frames, re-encoded, until the next write. */
  const stamped = new OutputBuffer();
  /** Validate mode: frames outside C frames, as they came, until the next write. */
  let direct: Buffer[] = [];
  let directBytes = 0;
  /** Windows completed by the frames waiting in `stamped` or `direct`. */
  let completed: CompletedWindow[] = [];
  /** The C frame being inflated, if any: reading stops until it is done. */
  let inflating: CompressedFrame | undefined;
  let draining: { code: number; reason: string } | undefined;
  let atBoundary = false;
  let finished = false;
  const timers: NodeJS.Timeout[] = [];

  function finish(code: number, reason: string) {
    if (finished) return;
    stop();
    hooks.close(code, reason);
  }

  function stop() {
    finished = true;
    output.stop();
    for (const timer of timers) clearTimeout(timer);
  }

  function fail(error: unknown) {
    if (finished) return;
    const refusal = toInspectError(error);
    stats.rejectCode = refusal.code;
    observer.reject?.(refusal);
    finish(refusal.closeCode, refusal.message);
  }

  /** Queues what the frames read so far produced, with the windows they complete. */
  function flush() {
    if (mode === 'stamp') {
      const bytes = stamped.length;
      if (bytes > 0 || completed.length > 0) {
        output.add(bytes > 0 ? [stamped.take()] : [], bytes, completed);
      }
    } else if (direct.length > 0 || completed.length > 0) {
      output.add(direct, directBytes, completed);
      direct = [];
      directBytes = 0;
    }
    completed = [];
  }

  /** Reads and passes frames until the bytes run out, a C frame needs inflating, or a drain holds. */
  function pump() {
    if (inflating || finished) return;
    try {
      for (;;) {
        if (draining && !windows.inWindow) {
          reachBoundary();
          break;
        }
        const next = reader.next();
        if (next === undefined) break;
        const { frame, raw } = next;
        if (frame.type === 'compressed') {
          flush();
          inflating = frame;
          void passCompressed(frame, raw);
          return;
        }
        const done = windows.accept(frame);
        if (mode === 'stamp') {
          events.stamp(frame, stamped);
        } else {
          events.check(frame);
          for (const part of raw) {
            direct.push(part);
            directBytes += part.length;
          }
        }
        if (done) completed.push(done);
      }
      flush();
    } catch (error) {
      fail(error);
    }
  }

  /**
   * Inflates a C frame as a stream and passes its events. Validate mode writes the frame's own
   * bytes once all of its content checked out. Stamp mode writes the stamped events as new C
   * frames of about DEFLATE_RUN_BYTES of content each, always keeping the last event back until
   * the zlib stream's checksum has passed, so a window can never complete at Logstash on the
   * strength of a corrupt frame.
   */
  async function passCompressed(frame: CompressedFrame, raw: Buffer[]) {
    const content = mode === 'stamp' ? new OutputBuffer(DEFLATE_RUN_BYTES) : undefined;
    const level =
      settings.compressionLevel ?? levelFromZlibHeader([...frame.payload.subarray(0, 3)]);
    const deflate = (bytes: Buffer) => encodeCompressedAsync(bytes, level);
    let windowOpen = windows.inWindow;
    let done: CompletedWindow | undefined;
    let lastStart = 0;
    try {
      for await (const batch of inflateFrames(frame.payload, {
        maxFrameBytes: limits.maxFrameBytes,
        maxWindowSize: limits.maxWindowSize,
        maxDecompressedBytes: limits.maxInflatedBytes,
      })) {
        if (finished) return;
        for (const { frame: inner } of batch) {
          if (done) {
            throw new InspectError(
              'ERR_INSPECT_FRAME_SPANS_WINDOWS',
              'a compressed frame holds the end of one window and more frames after it',
            );
          }
          done = windows.accept(inner);
          windowOpen = true;
          if (content) {
            lastStart = content.length;
            events.stamp(inner, content);
          } else {
            events.check(inner);
          }
        }
        if (content && lastStart >= DEFLATE_RUN_BYTES) {
          const run = content.take(lastStart);
          lastStart = 0;
          output.add(deflate(run), run.length, []);
        }
        while (output.pendingBytes > MAX_QUEUED_BYTES && !finished) await output.progress();
      }
      if (finished) return;
      if (!windowOpen) {
        // Only an empty C frame outside a window gets here; refused rather than sent alone.
        throw new InspectError('ERR_INSPECT_NO_WINDOW', 'a compressed frame outside a window');
      }
      const ends = done ? [done] : [];
      if (!content) {
        output.add(raw, frame.payload.length, ends);
      } else if (content.length > 0) {
        const run = content.take();
        output.add(deflate(run), run.length, ends);
      } else {
        output.add([], 0, ends);
      }
    } catch (error) {
      fail(error);
      return;
    }
    inflating = undefined;
    pump();
    hooks.resumeClient();
  }

  function reachBoundary() {
    if (!atBoundary) {
      atBoundary = true;
      hooks.pauseClient();
    }
    maybeFinishDrain();
  }

  function maybeFinishDrain() {
    if (draining && atBoundary && output.idle && acks.inFlight === 0) {
      finish(draining.code, draining.reason);
    }
  }

  function drain(why: DrainReason) {
    if (draining || finished) return;
    draining =
      why === 'shutdown'
        ? { code: CloseCode.GOING_AWAY, reason: 'draining at a window boundary: shutting down' }
        : {
            code: CloseCode.POLICY_VIOLATION,
            reason: 'token expired: closed at a window boundary',
          };
    stats.drain = why;
    observer.drain?.(why, acks.inFlight);
    if (why === 'token_expired') {
      // Logstash may never ack (it is stuck); the Beat resends after the close either way.
      const timer = setTimeout(
        () => finish(draining!.code, draining!.reason),
        settings.drainTimeoutMs,
      );
      timer.unref();
      timers.push(timer);
    }
    pump();
  }

  function armExpiry() {
    if (!settings.drainOnTokenExpiry || identity.tokenExpiresAt === undefined) return;
    const delay = identity.tokenExpiresAt * 1000 - now();
    const timer = setTimeout(
      () => (delay > MAX_TIMER_MS ? armExpiry() : drain('token_expired')),
      Math.max(0, Math.min(delay, MAX_TIMER_MS)),
    );
    timer.unref();
    timers.push(timer);
  }
  armExpiry();

  return {
    stats,
    /** Bytes from the Beat. False: take no more until resumeClient (a C frame, or a drain). */
    push(chunk: Buffer): boolean {
      if (finished) return false;
      reader.push(chunk);
      pump();
      return !this.blocked;
    },
    /** True while the gate takes no bytes: a C frame is inflating, or a drain reached its boundary. */
    get blocked(): boolean {
      return finished || inflating !== undefined || atBoundary;
    },
    /** Bytes from Logstash, after they were forwarded to the Beat. */
    observe(chunk: Buffer) {
      for (const window of acks.observe(chunk)) {
        stats.windowsAcked++;
        observer.ack?.(window.latencyMs);
      }
      maybeFinishDrain();
    },
    /**
     * The backpressure figure: bytes taken from the Beat that wait to be written towards Logstash.
     * The frame being read is not counted: it cannot complete unless the Beat is read on, and
     * inspectMaxFrameBytes bounds it (while a C frame inflates, push() returns false instead).
     */
    get bufferedBytes(): number {
      return (inflating?.payload.length ?? 0) + output.pendingBytes;
    },
    /** Everything the gate holds of the Beat's bytes, the frame being read included. */
    get heldBytes(): number {
      return reader.bufferedBytes + this.bufferedBytes;
    },
    /** True when nothing is being inflated or deflated: all that could be written was. */
    get settled(): boolean {
      return finished || (inflating === undefined && output.idle);
    },
    get draining(): boolean {
      return draining !== undefined;
    },
    /** Windows written and not acknowledged yet. */
    get windowsInFlight(): number {
      return acks.inFlight;
    },
    /** Starts a batch-boundary drain for a shutdown (1001). */
    drain: () => drain('shutdown'),
    /** The tunnel closed: write nothing more, stop timers. */
    stop,
  };
}

export type LumberjackGate = ReturnType<typeof createLumberjackGate>;

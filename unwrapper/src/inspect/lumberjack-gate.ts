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
 * like ws's stream adapter; `hooks.resume` tells the tunnel when that changes.
 *
 * The batch-boundary drain stops at the end of the current window: it lets the open window finish
 * (its first frames are already with Logstash), writes nothing after it, waits until every window
 * written was acknowledged, then closes (1001 on shutdown, 1008 on token expiry), so the Beat
 * reconnects with nothing Logstash already has.
 */
import {
  ByteQueue,
  createFrameReader,
  inflateFrames,
  encodeCompressedAsync,
  type CompressedFrame,
} from '@beats-gate/lumberjack';
import type { Relay, RelayHooks } from '@beats-gate/kit';
import { CloseCode, type EdgeIdentity } from '@beats-gate/protocol';
import { createAckTracker } from './ack-tracker.ts';
import type { ClaimCheck, ClaimPolicyMode } from './claims-policy.ts';
import { createEventEncoder } from './event-encoder.ts';
import { InspectError, toInspectError } from './inspect-error.ts';
import { createOrderedOutput } from './ordered-output.ts';
import { createWindowTracker, type CompletedWindow } from './window-tracker.ts';
import { levelFromZlibHeader } from './zlib-level.ts';

export type InspectMode = 'validate' | 'stamp';

/** How each batch-boundary drain closes the tunnel, once every window written was acknowledged. */
const DRAINS = {
  shutdown: { code: CloseCode.GOING_AWAY, reason: 'draining at a window boundary: shutting down' },
  token_expired: {
    code: CloseCode.POLICY_VIOLATION,
    reason: 'token expired: closed at a window boundary',
  },
} as const;
export type DrainReason = keyof typeof DRAINS;

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

/** The gate is the join's relay (kit/src/join): these are the join's hooks. */
export type GateHooks = RelayHooks;

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

/** Stamped C-frame content is re-compressed in runs of about this much. */
const DEFLATE_RUN_BYTES = 1024 * 1024;
/**
 * What one deflate job holds besides its input (zlib's state and output, native memory), counted
 * in bufferedBytes so that many tiny jobs weigh what they cost.
 */
const DEFLATE_JOB_BYTES = 256 * 1024;
/** Deflate jobs one tunnel may have on the thread pool at once. */
const MAX_DEFLATE_JOBS = 2;
/** Reading waits while this much is queued towards Logstash. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/**
 * Wire bytes of frames passed in one event-loop turn: a 64 MiB message of 6-byte frames is
 * taken a slice at a time, other tunnels and the admin listener served in between.
 */
const TURN_BYTES = 256 * 1024;
/** What any frame counts against TURN_BYTES at least: 4,096 frames a turn at most. */
const FRAME_MIN_COST = 64;
/** What a C frame counts against TURN_BYTES at least (inflating it sets up zlib). */
const C_FRAME_MIN_COST = 16 * 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A TLS handshake record's type byte, the first a ClientHello sends. */
const TLS_HANDSHAKE = 0x16;
const TLS_FIX =
  "a TLS ClientHello reached the Lumberjack-aware unwrapper: terminate TLS on the client's " +
  'listener (--listen-tls-cert-file) or use inspect=off for TLS passthrough';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createLumberjackGate(
  settings: GateSettings,
  context: { identity: EdgeIdentity; tunnelId: string; now: () => number },
  hooks: GateHooks,
  observer: GateObserver = {},
) {
  const { identity, now } = context;
  const { limits, mode } = settings;
  const stats: GateStats = { windows: 0, events: 0, windowsAcked: 0, claimMismatches: 0 };
  const frameLimits = { maxFrameBytes: limits.maxFrameBytes, maxWindowSize: limits.maxWindowSize };
  const reader = createFrameReader(frameLimits);
  const windows = createWindowTracker();
  const acks = createAckTracker(now);
  const events = createEventEncoder(settings, identity, context.tunnelId, () => {
    stats.claimMismatches++;
    observer.mismatch?.();
  });
  /** False after the writer said it is full, until writable(). */
  let writable = true;
  /**
   * Resumes the pump while it waits for room in the output or the writer; calling it again does
   * nothing, as it resolves a promise already resolved.
   */
  let wake = () => {};
  const output = createOrderedOutput({
    write(chunks) {
      writable = hooks.write(chunks) !== false;
    },
    onWritten(completed) {
      for (const window of completed) {
        stats.windows++;
        stats.events += window.size;
        acks.sent(window.highestSeq);
        observer.window?.(window.size, mode);
      }
      maybeFinishDrain();
      wake();
      hooks.resume();
      endIfDone();
    },
    onError: (error) => fail(error),
  });
  /**
   * Frames read outside C frames, as Logstash gets them (stamped, or their own bytes copied: as
   * views of the messages they came in, many small frames would cost an object and a write each),
   * with the windows they complete, until the next flush.
   */
  const frames = new ByteQueue();
  let completed: CompletedWindow[] = [];
  /**
   * Stamp mode: events of C frames, re-encoded, waiting to be re-compressed. Consecutive C frames
   * share one run, so a stream of tiny C frames costs one deflate job, not one each.
   */
  const run = new ByteQueue();
  let runLevel = 3;
  /** Wire bytes of the C frame being inflated (0 when none). */
  let inflatingBytes = 0;
  /** True while the pump runs; while it waits (inflating, yielding, output full) push says no. */
  let pumping = false;
  let draining: (typeof DRAINS)[DrainReason] | undefined;
  let atBoundary = false;
  let finished = false;
  /** Set by end(): called once everything taken is written. */
  let ended: (() => void) | undefined;
  const timers: NodeJS.Timeout[] = [];
  /** False until the Beat's first byte came: a TLS handshake there names a setup mistake. */
  let started = false;

  function finish(code: number, reason: string) {
    if (finished) return;
    stop();
    hooks.close(code, reason);
  }

  function stop() {
    finished = true;
    output.stop();
    wake();
    for (const timer of timers) clearTimeout(timer);
  }

  function fail(error: unknown) {
    if (finished) return;
    const refusal = toInspectError(error);
    stats.rejectCode = refusal.code;
    observer.reject?.(refusal);
    finish(refusal.closeCode, refusal.message);
  }

  /** Queues the frames read outside C frames, with the windows they complete. */
  function flushFrames() {
    const bytes = frames.length;
    if (bytes > 0 || completed.length > 0) {
      output.add(bytes > 0 ? [frames.take()] : [], bytes, completed);
      completed = [];
    }
  }

  /**
   * Re-compresses the run's first `length` bytes (all of it by default) as one C frame, with the
   * windows its last byte completes.
   */
  function flushRun(length = run.length, completes: CompletedWindow[] = []) {
    if (length > 0) {
      const content = run.take(length);
      const deflated = encodeCompressedAsync(content, runLevel);
      output.add(deflated, content.length + DEFLATE_JOB_BYTES, completes);
    } else if (completes.length > 0) {
      output.add([], 0, completes);
    }
  }

  /** Waits while the thread pool holds this tunnel's deflate jobs or Logstash lags. */
  async function outputRoom() {
    while (
      !finished &&
      (!writable || output.deferred >= MAX_DEFLATE_JOBS || output.pendingBytes > MAX_QUEUED_BYTES)
    ) {
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }

  /**
   * Reads and passes frames until the bytes run out or a drain holds. Synchronous for ordinary
   * traffic; it awaits only to inflate a large C frame, to let the event loop turn after
   * TURN_BYTES, or while the output is full, and push() says no meanwhile.
   */
  async function pump() {
    if (pumping || finished) return;
    pumping = true;
    let budget = TURN_BYTES;
    try {
      while (!finished) {
        if (draining && !windows.inWindow) {
          if (!atBoundary) hooks.pause();
          atBoundary = true;
          break;
        }
        if (budget <= 0 || !writable || output.deferred >= MAX_DEFLATE_JOBS) {
          // The C-frame run stays open across the pause: tiny C frames share one deflate job.
          flushFrames();
          await outputRoom();
          await nextTurn();
          budget = TURN_BYTES;
          continue;
        }
        const next = reader.next();
        if (next === undefined) break;
        const { frame, raw } = next;
        if (frame.type === 'compressed') {
          flushFrames();
          // Each C frame costs zlib set-up besides its bytes: a stream of tiny ones still yields.
          budget -= Math.max(frame.payload.length, C_FRAME_MIN_COST);
          await passCompressed(frame, raw);
          continue;
        }
        // A frame outside C frames ends the run: its events come first.
        flushRun();
        // Tiny frames cost their objects more than their bytes: each counts FRAME_MIN_COST.
        budget -= Math.max(FRAME_MIN_COST, raw.length);
        const done = windows.accept(frame);
        events.pass(frame, frames, raw);
        if (done) completed.push(done);
      }
      // Everything read so far, queued in order: the C-frame run first (it came first).
      flushRun();
      flushFrames();
      maybeFinishDrain();
    } catch (error) {
      fail(error);
    } finally {
      pumping = false;
      inflatingBytes = 0;
    }
    hooks.resume();
    endIfDone();
  }
  /** After the Beat's FIN: once all that could be written was, the FIN goes on (a frame cut
   * short by it is never written, as Logstash would drop it too). */
  function endIfDone() {
    if (!ended || finished || pumping || !output.idle) return;
    const done = ended;
    ended = undefined;
    done();
  }

  /**
   * Inflates a C frame (as a stream when large) and passes its events. Validate mode takes the
   * frame's own bytes once all of its content checked out. Stamp mode adds the stamped events to
   * the run, re-compressing it whenever it passes DEFLATE_RUN_BYTES, always keeping the last event
   * back until the zlib stream's checksum has passed, so a window can never complete at Logstash
   * on the strength of a corrupt frame.
   */
  async function passCompressed(frame: CompressedFrame, raw: Buffer) {
    inflatingBytes = frame.payload.length;
    const level =
      settings.compressionLevel ?? levelFromZlibHeader([...frame.payload.subarray(0, 3)]);
    if (run.length > 0 && level !== runLevel) flushRun();
    runLevel = level;
    let windowOpen = windows.inWindow;
    let done: CompletedWindow | undefined;
    let lastStart = run.length;
    const inflateLimits = { ...frameLimits, maxDecompressedBytes: limits.maxInflatedBytes };
    for await (const batch of inflateFrames(frame.payload, inflateLimits)) {
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
        lastStart = run.length;
        events.pass(inner, run);
      }
      if (lastStart >= DEFLATE_RUN_BYTES) {
        flushRun(lastStart);
        lastStart = 0;
      }
      await outputRoom();
    }
    if (finished) return;
    if (!windowOpen) {
      // Only an empty C frame outside a window gets here; refused rather than sent alone.
      throw new InspectError('ERR_INSPECT_NO_WINDOW', 'a compressed frame outside a window');
    }
    inflatingBytes = 0;
    if (mode === 'validate') {
      // Queued as is: left in `frames`, the next W frame's push would copy the whole C frame.
      output.add([raw], raw.length, done ? [done] : []);
    } else if (done) {
      // A complete window goes out now: Logstash acks it only once it has all of it.
      flushRun(run.length, [done]);
    }
  }

  function maybeFinishDrain() {
    // A tracker that lost count cannot say all is acknowledged: the grace period ends that drain.
    if (draining && atBoundary && output.idle && !acks.lost && acks.inFlight === 0) {
      finish(draining.code, draining.reason);
    }
  }

  function drain(why: DrainReason) {
    if (draining || finished) return;
    const { code, reason } = (draining = DRAINS[why]);
    stats.drain = why;
    observer.drain?.(why, acks.inFlight);
    // Logstash may never ack (it is stuck); the Beat resends after the close either way.
    if (why === 'token_expired') after(settings.drainTimeoutMs, () => finish(code, reason));
    void pump();
  }

  /** A timer that does not keep the process alive and ends with the gate. */
  function after(ms: number, run: () => void) {
    const timer = setTimeout(run, Math.max(0, Math.min(ms, MAX_TIMER_MS)));
    timer.unref();
    timers.push(timer);
  }

  function armExpiry() {
    if (!settings.drainOnTokenExpiry || identity.tokenExpiresAt === undefined) return;
    const delay = identity.tokenExpiresAt * 1000 - now();
    after(delay, () => (delay > MAX_TIMER_MS ? armExpiry() : drain('token_expired')));
  }
  armExpiry();

  const gate = {
    stats,
    /** Bytes from the Beat. False: take no more until hooks.resume (a C frame, or a drain). */
    push(chunk: Buffer): boolean {
      if (finished) return false;
      // No Lumberjack stream opens with a TLS record's first byte: a Beat's own TLS came through.
      if (!started && chunk[0] === TLS_HANDSHAKE) {
        fail(new InspectError('ERR_INSPECT_TLS_CLIENT_HELLO', TLS_FIX));
        return false;
      }
      started ||= chunk.length > 0;
      reader.push(chunk);
      void pump();
      return !gate.blocked;
    },
    /**
     * True while the gate takes no bytes: it is inflating, yielding the event loop or waiting for
     * its output, or a drain reached its boundary.
     */
    get blocked(): boolean {
      return finished || pumping || atBoundary;
    },
    /** The Beat half-closed: `done` once everything taken was written. */
    end(done: () => void) {
      ended = done;
      endIfDone();
    },
    /** The writer took what it was given: the gate may write again. */
    writable() {
      if (writable) return;
      writable = true;
      wake();
    },
    /** Bytes from Logstash, after they were forwarded to the Beat. */
    observe(chunk: Buffer) {
      for (const latencyMs of acks.observe(chunk)) {
        stats.windowsAcked++;
        observer.ack?.(latencyMs);
      }
      maybeFinishDrain();
    },
    /**
     * The backpressure figure: bytes taken from the Beat that wait to be written towards Logstash.
     * The frame being read is not counted: it cannot complete unless the Beat is read on, and
     * inspectMaxFrameBytes bounds it (while a C frame inflates, push() returns false instead).
     */
    get bufferedBytes(): number {
      return inflatingBytes + output.pendingBytes + run.length + frames.length;
    },
    /** Everything the gate holds of the Beat's bytes, the frame being read included. */
    get heldBytes(): number {
      return reader.bufferedBytes + this.bufferedBytes;
    },
    /** True when nothing is being inflated or deflated: all that could be written was. */
    get settled(): boolean {
      return finished || (!pumping && output.idle);
    },
    /** Starts a batch-boundary drain for a shutdown (1001). */
    drain: () => drain('shutdown'),
    /** The tunnel closed: write nothing more, stop timers. */
    stop,
  } satisfies Relay & Record<string, unknown>;
  return gate;
}

export type LumberjackGate = ReturnType<typeof createLumberjackGate>;

/**
 * The Lumberjack-aware side of one tunnel, kept out of the byte tunnel so that the default mode
 * stays exactly what it was. The tunnel hands it the client's bytes (instead of writing them to
 * Logstash) and shows it Logstash's bytes (after forwarding them); it writes complete windows,
 * follows the acks, and runs the batch-boundary drain: hold at the next window boundary, pause the
 * client, wait until every window written has been acknowledged, then close (1001 on shutdown,
 * 1008 on token expiry), so the Beat reconnects with nothing Logstash already has.
 */
import { CloseCode } from '@beats-gate/protocol';
import type { EdgeIdentity } from '@beats-gate/protocol';
import { createAckTracker } from './ack-tracker.ts';
import { createClaimsPolicy, type ClaimCheck, type ClaimPolicyMode } from './claims-policy.ts';
import { createClientInspector, type InspectLimits } from './client-inspector.ts';
import { createWindowEncoder } from './encode-window.ts';
import { identityOf } from './identity-stamp.ts';
import type { InspectError } from './inspect-error.ts';
import { createJsonStamper } from './json-stamp.ts';

export type InspectMode = 'validate' | 'stamp';

export interface InspectSettings {
  readonly mode: InspectMode;
  readonly field: readonly string[];
  readonly claims: readonly string[];
  readonly compressionLevel?: number;
  readonly limits: InspectLimits;
  readonly policyMode: ClaimPolicyMode;
  readonly checks: readonly ClaimCheck[];
  /** Close at a window boundary with 1008 once the token's exp has passed. */
  readonly drainOnTokenExpiry: boolean;
  /** Longest wait for the acks of an expiry drain before closing anyway. */
  readonly drainTimeoutMs: number;
}

export interface InspectionHooks {
  /** Write bytes towards Logstash. */
  write(bytes: Buffer): void;
  /** Close the tunnel (both ends) with this code. */
  close(code: number, reason: string): void;
  /** Stop / restart reading the client. */
  pauseClient(): void;
  resumeClient(): void;
  onWindow?(events: number, mode: InspectMode): void;
  onAck?(latencyMs: number): void;
  onReject?(error: InspectError): void;
  onDrain?(reason: 'shutdown' | 'token_expired', windowsInFlight: number): void;
}

export interface InspectionStats {
  windows: number;
  events: number;
  windowsAcked: number;
  claimMismatches: number;
  rejectCode?: string;
  drain?: 'shutdown' | 'token_expired';
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export function createTunnelInspection(
  settings: InspectSettings,
  context: { identity: EdgeIdentity; tunnelId: string; now: () => number },
  hooks: InspectionHooks,
) {
  const { identity, now } = context;
  const acks = createAckTracker(now);
  const stats: InspectionStats = { windows: 0, events: 0, windowsAcked: 0, claimMismatches: 0 };
  let draining: { code: number; reason: string } | undefined;
  let finished = false;
  const timers: NodeJS.Timeout[] = [];

  const inspector = createClientInspector({
    limits: settings.limits,
    encoder: createWindowEncoder({
      mode: settings.mode,
      identity: identityOf(identity, context.tunnelId, settings.claims),
      field: settings.field,
      stamper: createJsonStamper(settings.field),
      ...(settings.policyMode !== 'off'
        ? { policy: createClaimsPolicy(settings.checks, identity.claims) }
        : {}),
      policyMode: settings.policyMode,
      ...(settings.compressionLevel !== undefined
        ? { compressionLevel: settings.compressionLevel }
        : {}),
    }),
    write(bytes, window) {
      stats.windows++;
      stats.events += window.size;
      stats.claimMismatches = inspector.stats.mismatches;
      // W 0 opens nothing and gets no ack.
      if (window.size > 0) acks.sent(window.highestSeq, window.size);
      hooks.write(bytes);
      hooks.onWindow?.(window.size, settings.mode);
    },
    onError(error) {
      stats.rejectCode = error.code;
      hooks.onReject?.(error);
      finish(error.closeCode, error.message);
    },
    onIdle() {
      if (!draining) hooks.resumeClient();
    },
  });

  function finish(code: number, reason: string) {
    if (finished) return;
    finished = true;
    for (const timer of timers) clearTimeout(timer);
    hooks.close(code, reason);
  }

  function maybeFinishDrain() {
    if (draining && acks.inFlight === 0) finish(draining.code, draining.reason);
  }

  function drain(why: 'shutdown' | 'token_expired') {
    if (draining || finished) return;
    draining =
      why === 'shutdown'
        ? { code: CloseCode.GOING_AWAY, reason: 'draining at a window boundary: shutting down' }
        : {
            code: CloseCode.POLICY_VIOLATION,
            reason: 'token expired: closed at a window boundary',
          };
    stats.drain = why;
    inspector.hold();
    hooks.pauseClient();
    hooks.onDrain?.(why, acks.inFlight);
    if (why === 'token_expired') {
      // Logstash may never ack (it is stuck); the Beat resends after the close either way.
      const timer = setTimeout(
        () => finish(draining!.code, draining!.reason),
        settings.drainTimeoutMs,
      );
      timer.unref();
      timers.push(timer);
    }
    maybeFinishDrain();
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
    /** Bytes from the client. */
    push(chunk: Buffer) {
      if (!finished) inspector.push(chunk);
    },
    /** Bytes from Logstash, after they were forwarded to the client. */
    observe(chunk: Buffer) {
      for (const window of acks.observe(chunk)) {
        stats.windowsAcked++;
        hooks.onAck?.(window.latencyMs);
      }
      maybeFinishDrain();
    },
    /** Bytes taken from the client waiting for their encoding (counted as buffered upstream). */
    get queuedBytes() {
      return inspector.queuedBytes;
    },
    get draining() {
      return draining !== undefined;
    },
    /** Windows written and not acknowledged yet. */
    get windowsInFlight() {
      return acks.inFlight;
    },
    /** Starts a batch-boundary drain for a shutdown (1001). */
    drain: () => drain('shutdown'),
    /** The tunnel closed: stop timers. */
    stop() {
      finished = true;
      for (const timer of timers) clearTimeout(timer);
    },
  };
}

export type TunnelInspection = ReturnType<typeof createTunnelInspection>;

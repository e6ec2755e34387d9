/** Helpers for the gate's tests: a gate over a buffer, and decoding what it wrote. */
import { createDecoder, type Frame } from '@beats-gate/lumberjack';
import type { ClaimCheck, ClaimPolicyMode } from './claims-policy.ts';
import { parseFieldPath } from './field-path.ts';
import type { InspectError } from './inspect-error.ts';
import { createLumberjackGate, type GateLimits, type LumberjackGate } from './lumberjack-gate.ts';

export const LIMITS: GateLimits = {
  maxFrameBytes: 64 * 1024 * 1024,
  maxWindowSize: 65536,
  maxInflatedBytes: 1024 * 1024 * 1024,
};

export const IDENTITY = { subject: 'device-7', claims: { tenant: 'acme', host: 'h1', x: 1 } };

export interface RunOptions {
  mode?: 'validate' | 'stamp';
  field?: string;
  limits?: Partial<GateLimits>;
  checks?: ClaimCheck[];
  policyMode?: ClaimPolicyMode;
  compressionLevel?: number;
}

export interface GateRun {
  gate: LumberjackGate;
  /** Every write towards Logstash, in order (each the chunks of one write). */
  written: Buffer[];
  /** Windows reported written, in order, with their event counts. */
  windows: number[];
  errors: InspectError[];
  closes: { code: number; reason: string }[];
}

export function gateFor(options: RunOptions = {}): GateRun {
  const written: Buffer[] = [];
  const windows: number[] = [];
  const errors: InspectError[] = [];
  const closes: { code: number; reason: string }[] = [];
  const gate = createLumberjackGate(
    {
      mode: options.mode ?? 'stamp',
      field: parseFieldPath(options.field ?? '[@metadata][beats_gate]'),
      claims: ['tenant', 'x'],
      ...(options.compressionLevel !== undefined
        ? { compressionLevel: options.compressionLevel }
        : {}),
      limits: { ...LIMITS, ...options.limits },
      policyMode: options.policyMode ?? 'off',
      checks: options.checks ?? [],
      drainOnTokenExpiry: false,
      drainTimeoutMs: 1000,
    },
    {
      identity: { ...IDENTITY, kid: 'k1', assertionId: 'a1' },
      tunnelId: 'tunnel-1',
      now: Date.now,
    },
    {
      write: (chunks) => written.push(Buffer.concat(chunks)) > 0,
      close: (code, reason) => closes.push({ code, reason }),
      pause() {},
      resume() {},
    },
    { reject: (error) => errors.push(error), window: (events) => windows.push(events) },
  );
  return { gate, written, windows, errors, closes };
}

/** How long a test waits for the thread pool's inflating and deflating before it fails. */
const SETTLE_MS = 10_000;

/**
 * Feeds `bytes` in chunks of the given sizes (cycled), each when the gate takes bytes again, and
 * waits until all it could write was written. Fails (throws) rather than waiting forever.
 */
export async function feed(gate: LumberjackGate, bytes: Buffer, sizes = [bytes.length]) {
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    await settle(gate);
    const size = Math.max(1, sizes[i % sizes.length]!);
    // A copy: the gate may keep views of what it is given.
    gate.push(Buffer.from(bytes.subarray(offset, offset + size)));
    offset += size;
  }
  await settle(gate);
}

export async function settle(gate: LumberjackGate) {
  const deadline = Date.now() + SETTLE_MS;
  while (!gate.settled) {
    if (Date.now() > deadline) throw new Error(`the gate did not settle within ${SETTLE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Every frame in `bytes`, which must end at a frame boundary. */
export function decodeAll(bytes: Buffer): Frame[] {
  const decoder = createDecoder();
  const frames = decoder.push(bytes);
  decoder.end();
  return frames;
}

/**
 * What Logstash could do with `bytes`: the number of windows it received whole (those it would
 * process and ack). A trailing partial window, or a partial frame, is what a refused window
 * leaves; Logstash drops it with the connection.
 */
export function completeWindows(bytes: Buffer): number {
  const frames = createDecoder({ parseJson: false }).push(bytes);
  let complete = 0;
  let open: { size: number; events: number } | undefined;
  for (const frame of frames) {
    if (frame.type === 'window') {
      open = { size: frame.size, events: 0 };
      if (frame.size === 0) complete++;
    } else if ((frame.type === 'json' || frame.type === 'data') && open) {
      if (++open.events === open.size) complete++;
    }
  }
  return complete;
}

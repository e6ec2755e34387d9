/** Helpers for the inspect tests: an inspector over a buffer, and decoding what it wrote. */
import { createDecoder, type Frame } from '@beats-gate/lumberjack';
import { createClaimsPolicy, type ClaimCheck, type ClaimPolicyMode } from './claims-policy.ts';
import { createClientInspector, type InspectLimits } from './client-inspector.ts';
import { createWindowEncoder } from './encode-window.ts';
import { parseFieldPath } from './field-path.ts';
import { identityOf } from './identity-stamp.ts';
import type { InspectError } from './inspect-error.ts';
import { createJsonStamper } from './json-stamp.ts';
import type { Window } from './window-reader.ts';

export const LIMITS: InspectLimits = {
  maxFrameBytes: 64 * 1024 * 1024,
  maxWindowSize: 65536,
  maxDecompressedBytes: 128 * 1024 * 1024,
  maxWindowBytes: 64 * 1024 * 1024,
};

export const IDENTITY = { subject: 'device-7', claims: { tenant: 'acme', host: 'h1', x: 1 } };

export interface RunOptions {
  mode?: 'validate' | 'stamp';
  field?: string;
  limits?: Partial<InspectLimits>;
  checks?: ClaimCheck[];
  policyMode?: ClaimPolicyMode;
  compressionLevel?: number;
}

export function inspectorFor(options: RunOptions = {}) {
  const field = parseFieldPath(options.field ?? '[@metadata][beats_gate]');
  const written: { bytes: Buffer; window: Window }[] = [];
  const errors: InspectError[] = [];
  const policyMode = options.policyMode ?? 'off';
  const inspector = createClientInspector({
    limits: { ...LIMITS, ...options.limits },
    encoder: createWindowEncoder({
      mode: options.mode ?? 'stamp',
      identity: identityOf(IDENTITY, 'tunnel-1', ['tenant', 'x']),
      field,
      stamper: createJsonStamper(field),
      ...(policyMode !== 'off'
        ? { policy: createClaimsPolicy(options.checks ?? [], IDENTITY.claims) }
        : {}),
      policyMode,
      ...(options.compressionLevel !== undefined
        ? { compressionLevel: options.compressionLevel }
        : {}),
    }),
    write: (bytes, window) => written.push({ bytes, window }),
    onError: (error) => errors.push(error),
  });
  return { inspector, written, errors };
}

/** Feeds `bytes` in chunks of the given sizes (cycled), then waits for async encodes. */
export async function feed(
  inspector: { push(chunk: Buffer): void; queuedWindows: number },
  bytes: Buffer,
  sizes: readonly number[] = [bytes.length],
) {
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    inspector.push(Buffer.from(bytes.subarray(offset, offset + size)));
    offset += size;
  }
  // Deflating runs on the thread pool; a loaded machine may take a while (bounded: 20 s).
  const deadline = Date.now() + 20_000;
  while (inspector.queuedWindows > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

export function decodeAll(bytes: Buffer): Frame[] {
  const decoder = createDecoder();
  const frames = decoder.push(bytes);
  decoder.end();
  return frames;
}

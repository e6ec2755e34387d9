/**
 * Turns a complete window into the bytes sent to Logstash. Validate mode sends the window's own
 * bytes. Stamp mode re-encodes every frame with the identity set, keeping the frame structure:
 * the same W, the same sequence numbers and event count, a C frame where a C frame came (same
 * frames inside, level from its zlib header or the configured one), so Logstash acks exactly what
 * it would have acked and the acks need no mapping. Deflating runs on libuv's thread pool.
 */
import {
  encodeCompressedAsync,
  encodeData,
  encodeWindow,
  type Frame,
} from '@beats-gate/lumberjack';
import type { ClaimPolicyMode, ClaimsPolicy } from './claims-policy.ts';
import { byteAt, type RawFrame } from './frame-splitter.ts';
import { flattenIdentity, stampDataEvent, type StampIdentity } from './identity-stamp.ts';
import { InspectError } from './inspect-error.ts';
import { checkJsonObject, JsonScanError } from './json-scan.ts';
import type { JsonStamper } from './json-stamp.ts';
import type { Window } from './window-reader.ts';
import { levelFromZlibHeader } from './zlib-level.ts';

const TYPE_COMPRESSED = 0x43;
const TYPE_JSON = 0x4a;
const VERSION_2 = 0x32;
const JSON_HEADER_BYTES = 10;
const NO_FIELDS: readonly string[] = [];

export interface WindowEncoderOptions {
  mode: 'validate' | 'stamp';
  identity: StampIdentity;
  /** Segments of the stamped field. */
  field: readonly string[];
  stamper: JsonStamper;
  policy?: ClaimsPolicy;
  policyMode: ClaimPolicyMode;
  /** Fixed level for re-encoded C frames; from each frame's zlib header when absent. */
  compressionLevel?: number;
}

export interface EncodedWindow {
  /** Events whose fields disagreed with a claim (tagged). */
  mismatches: number;
  bytes: Buffer | Promise<Buffer>;
}

/**
 * Runs a scan of a J payload (the frame splitter's decoder does not parse JSON: the scan is the
 * check), turning a syntax error into the codec's ERR_LJ_INVALID_JSON.
 */
function checked(seq: number, payload: Buffer, scan: (payload: Buffer) => void): void {
  try {
    scan(payload);
  } catch (error) {
    if (!(error instanceof JsonScanError)) throw error;
    throw new InspectError(
      'ERR_LJ_INVALID_JSON',
      `JSON frame seq ${seq}: payload of ${payload.length} bytes is not valid JSON: ${error.message}`,
      { cause: error },
    );
  }
}

export function createWindowEncoder(options: WindowEncoderOptions) {
  const { identity, stamper, policy, policyMode } = options;
  const prefix = options.field.join('.');
  const plain = Buffer.from(JSON.stringify(identity));
  const plainFlat = flattenIdentity(prefix, identity);
  // One stamp per distinct set of disagreeing fields, built when first needed.
  const tagged = new Map<string, { json: Buffer; flat: Record<string, string> }>();
  let mismatches = 0;
  /** The longest stamp value an event can get (with every checked field listed as mismatched). */
  const longest = Buffer.from(JSON.stringify({ ...identity, mismatch: ['host.name', 'agent.id'] }));

  /** The stamp for an event, after the claims policy (if set) read its bytes or pairs. */
  function stampFor(frame: Extract<Frame, { type: 'json' | 'data' }>) {
    let fields = NO_FIELDS;
    if (policy) {
      fields =
        frame.type === 'json' ? policy.checkJson(frame.payload) : policy.checkData(frame.event);
    }
    const seq = frame.seq;
    if (fields.length === 0) return { json: plain, flat: plainFlat };
    if (policyMode === 'reject') {
      throw new InspectError(
        'ERR_INSPECT_CLAIM_MISMATCH',
        `event seq ${seq}: ${fields.join(', ')} disagrees with the token's claim`,
      );
    }
    mismatches++;
    const key = fields.join(',');
    let stamp = tagged.get(key);
    if (!stamp) {
      const withMismatch = { ...identity, mismatch: [...fields] };
      stamp = {
        json: Buffer.from(JSON.stringify(withMismatch)),
        flat: flattenIdentity(prefix, withMismatch),
      };
      tagged.set(key, stamp);
    }
    return stamp;
  }

  /** Room a re-encoded frame may need (J: header plus the stamped event's upper bound). */
  function roomFor(frame: Frame): number {
    if (frame.type === 'json') return JSON_HEADER_BYTES + stamper.maxLength(frame.payload, longest);
    if (frame.type === 'window') return 6;
    return 0; // D frames are encoded first and measured (see encodeFrames).
  }

  /**
   * Writes the re-encoded frames one after the other into one buffer: J frames are their header
   * and the stamped event copied straight in, so a window (or a C frame's content) costs one
   * allocation, not one per event.
   */
  function encodeFrames(frames: readonly Frame[]): Buffer {
    const data = frames.map((frame) =>
      frame.type === 'data'
        ? encodeData(frame.seq, stampDataEvent(frame.event, prefix, stampFor(frame).flat))
        : undefined,
    );
    let room = 0;
    frames.forEach((frame, i) => (room += data[i]?.length ?? roomFor(frame)));
    const target = Buffer.allocUnsafe(room);
    let offset = 0;
    frames.forEach((frame, i) => {
      switch (frame.type) {
        case 'window':
          offset += encodeWindow(frame.size, frame.version).copy(target, offset);
          return;
        case 'json': {
          // Validate first: the claims policy parses the event, and a parser's error message
          // would quote payload bytes into the close reason and the logs.
          checked(frame.seq, frame.payload, stamper.scan);
          const stamp = stampFor(frame);
          const start = offset;
          const end = stamper.write(frame.payload, stamp.json, target, start + JSON_HEADER_BYTES);
          target[start] = VERSION_2;
          target[start + 1] = TYPE_JSON;
          target.writeUInt32BE(frame.seq, start + 2);
          target.writeUInt32BE(end - start - JSON_HEADER_BYTES, start + 6);
          offset = end;
          return;
        }
        case 'data':
          offset += data[i]!.copy(target, offset);
          return;
        case 'ack':
          // The window reader refuses acks from the Beat; reaching this is a bug.
          throw new InspectError('ERR_INSPECT_INTERNAL', 'an ack frame inside a window');
      }
    });
    return target.subarray(0, offset);
  }

  function levelOf(raw: RawFrame): number {
    if (options.compressionLevel !== undefined) return options.compressionLevel;
    const header = [6, 7, 8].filter((at) => at < raw.length).map((at) => byteAt(raw.parts, at));
    return levelFromZlibHeader(header);
  }

  /** Validate mode: every J payload must be a JSON object; the policy reads the events. */
  function checkOnly(window: Window) {
    for (const raw of window.frames) {
      for (const frame of raw.frames) {
        if (frame.type === 'json') checked(frame.seq, frame.payload, checkJsonObject);
        if (policy && (frame.type === 'json' || frame.type === 'data')) {
          stampFor(frame);
        }
      }
    }
  }

  return {
    /** Throws InspectError (claims policy 'reject'); the bytes may come later (deflating). */
    encode(window: Window): EncodedWindow {
      mismatches = 0;
      if (options.mode === 'validate') {
        checkOnly(window);
        const parts = window.frames.flatMap((raw) => raw.parts);
        return { mismatches, bytes: Buffer.concat(parts, window.wireBytes) };
      }
      // Frames outside C frames are written in runs; a C frame ends a run, so the window's
      // frame order is kept.
      const parts: (Buffer | Promise<Buffer>)[] = [];
      let direct: Frame[] = [];
      let pending = false;
      for (const raw of window.frames) {
        if (raw.type === TYPE_COMPRESSED) {
          if (direct.length > 0) parts.push(encodeFrames(direct));
          direct = [];
          parts.push(encodeCompressedAsync(encodeFrames(raw.frames), levelOf(raw)));
          pending = true;
        } else {
          direct.push(raw.frames[0]!);
        }
      }
      if (direct.length > 0) parts.push(encodeFrames(direct));
      const found = mismatches;
      if (!pending) return { mismatches: found, bytes: Buffer.concat(parts as Buffer[]) };
      const settled = parts.map((part) => (Buffer.isBuffer(part) ? Promise.resolve(part) : part));
      return { mismatches: found, bytes: Promise.all(settled).then((done) => Buffer.concat(done)) };
    },
  };
}

export type WindowEncoder = ReturnType<typeof createWindowEncoder>;

/**
 * What happens to each frame on its way through the gate. Validate mode checks it (a J payload
 * must be one JSON object; the claims policy may refuse it) and it travels as the Beat wrote it.
 * Stamp mode also writes the verified identity into it, keeping its sequence number, and writes
 * the re-encoded frame into a ByteQueue: a J frame is its header plus the event spliced in
 * place, one copy.
 */
import {
  DATA_HEADER_BYTES,
  encodeData,
  encodeWindow,
  forEachDataPair,
  JSON_HEADER_BYTES,
  TYPE_JSON,
  VERSION_2,
  type ByteQueue,
  type JsonFrame,
  type LazyDataFrame,
  type RawFrame,
} from '@beats-gate/lumberjack';
import type { EdgeIdentity } from '@beats-gate/protocol';
import { createClaimsPolicy } from './claims-policy.ts';
import { InspectError } from './inspect-error.ts';
import { checkJsonObject, JsonScanError } from './json-scan.ts';
import { createJsonStamper } from './json-stamp.ts';
import type { GateSettings } from './lumberjack-gate.ts';

/**
 * What is written into each event: the verified identity of the tunnel (subject, the claims the
 * operator listed, tunnel id). Built once per tunnel; the JSON form for J frames and the
 * flattened string form for v1 D frames, whose values can only be strings.
 */
interface StampIdentity {
  subject: string;
  tunnel_id: string;
  claims?: Record<string, unknown>;
  /** Fields of this event that disagree with a claim (claims policy 'tag'). */
  mismatch?: string[];
}

/** `prefix.subject`, `prefix.tunnel_id`, `prefix.claims.<name>`, `prefix.mismatch`. */
function flattenIdentity(prefix: string, stamp: StampIdentity): Record<string, string> {
  const flat: Record<string, string> = {
    [`${prefix}.subject`]: stamp.subject,
    [`${prefix}.tunnel_id`]: stamp.tunnel_id,
  };
  for (const [name, value] of Object.entries(stamp.claims ?? {})) {
    flat[`${prefix}.claims.${name}`] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  if (stamp.mismatch) flat[`${prefix}.mismatch`] = stamp.mismatch.join(',');
  return flat;
}

/** A frame the encoder takes: anything a frame reader yields but a whole C frame. */
export type EventFrame = Exclude<RawFrame['frame'], { type: 'compressed' }>;

interface Stamp {
  /** The identity as the member the JSON stamper adds. */
  member: Buffer;
  /** The identity as D pairs (flattened keys), encoded once, and how many. */
  pairs: Buffer;
  pairCount: number;
}

const DOT = 0x2e;

/** Runs a JSON check, turning a syntax error into the codec's ERR_LJ_INVALID_JSON. */
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

/**
 * Stamps the tunnel's verified identity (with the claims the settings list), checks the token's
 * claims if a policy is set; `onMismatch` hears of each event the claims policy tagged.
 */
export function createEventEncoder(
  settings: GateSettings,
  verified: Pick<EdgeIdentity, 'subject' | 'claims'>,
  tunnelId: string,
  onMismatch: () => void,
) {
  const { mode, policyMode } = settings;
  const claims: Record<string, unknown> = {};
  for (const name of settings.claims) {
    if (Object.hasOwn(verified.claims, name)) claims[name] = verified.claims[name];
  }
  const identity: StampIdentity = {
    subject: verified.subject,
    tunnel_id: tunnelId,
    ...(settings.claims.length > 0 ? { claims } : {}),
  };
  const policy =
    policyMode === 'off' ? undefined : createClaimsPolicy(settings.checks, verified.claims);
  const stamper = createJsonStamper(settings.field);
  const prefix = settings.field.join('.');
  const prefixBytes = Buffer.from(prefix);

  function stampOf(stamped: StampIdentity): Stamp {
    const flat = flattenIdentity(prefix, stamped);
    return {
      member: stamper.member(Buffer.from(JSON.stringify(stamped))),
      pairs: encodeData(0, flat).subarray(DATA_HEADER_BYTES),
      pairCount: Object.keys(flat).length,
    };
  }
  const plain = stampOf(identity);
  // One stamp per distinct set of disagreeing fields, built when first needed.
  const tagged = new Map<string, Stamp>();

  /** The stamp for an event: it lists the fields that disagree with a claim; throws under 'reject'. */
  function stampFor(frame: JsonFrame | LazyDataFrame): Stamp {
    if (!policy) return plain;
    const fields =
      frame.type === 'json' ? policy.checkJson(frame.payload) : policy.checkData(frame.bytes);
    if (fields.length === 0) return plain;
    if (policyMode === 'reject') {
      throw new InspectError(
        'ERR_INSPECT_CLAIM_MISMATCH',
        `event seq ${frame.seq}: ${fields.join(', ')} disagrees with the token's claim`,
      );
    }
    onMismatch();
    const key = fields.join(',');
    let stamp = tagged.get(key);
    if (!stamp) {
      stamp = stampOf({ ...identity, mismatch: [...fields] });
      tagged.set(key, stamp);
    }
    return stamp;
  }

  /** The device's own copy: the prefix itself or a key under it (`prefix.…`). */
  function isStampKey(bytes: Buffer, start: number, end: number): boolean {
    const length = prefixBytes.length;
    if (end - start < length) return false;
    if (bytes.compare(prefixBytes, 0, length, start, start + length) !== 0) return false;
    return end - start === length || bytes[start + length] === DOT;
  }

  /**
   * A D frame stamped on its bytes: its pairs in wire order, runs of them copied at once, the
   * device's copies of the stamped keys left out, the identity's pairs added at the end. No
   * object of the pairs is built: a frame of 300k pairs costs copies, not 300k properties.
   */
  function stampData(frame: LazyDataFrame, stamp: Stamp, out: ByteQueue): void {
    const bytes = frame.bytes;
    const offset = out.reserve(bytes.length + stamp.pairs.length);
    const buffer = out.buffer;
    let o = offset + bytes.copy(buffer, offset, 0, DATA_HEADER_BYTES);
    let kept = 0;
    let runStart = DATA_HEADER_BYTES;
    let runEnd = DATA_HEADER_BYTES;
    forEachDataPair(bytes, (k0, k1, _v0, v1) => {
      if (!isStampKey(bytes, k0, k1)) {
        kept++;
        runEnd = v1;
        return;
      }
      o += bytes.copy(buffer, o, runStart, runEnd);
      runStart = runEnd = v1;
    });
    o += bytes.copy(buffer, o, runStart, runEnd);
    o += stamp.pairs.copy(buffer, o);
    buffer.writeUInt32BE(kept + stamp.pairCount, offset + 6);
    out.commit(o);
  }

  /** Stamp mode: the frame re-encoded with the identity set, into `out`. */
  function stamp(frame: EventFrame, out: ByteQueue): void {
    switch (frame.type) {
      case 'window':
        out.push(encodeWindow(frame.size, frame.version));
        return;
      case 'json': {
        // Validate first: the policy reads the event, and only a valid one is read further.
        checked(frame.seq, frame.payload, stamper.scan);
        const stamp = stampFor(frame);
        const room = JSON_HEADER_BYTES + stamper.maxLength(frame.payload, stamp.member);
        const offset = out.reserve(room);
        const buffer = out.buffer;
        const end = stamper.write(frame.payload, stamp.member, buffer, offset + JSON_HEADER_BYTES);
        buffer[offset] = VERSION_2;
        buffer[offset + 1] = TYPE_JSON;
        buffer.writeUInt32BE(frame.seq, offset + 2);
        buffer.writeUInt32BE(end - offset - JSON_HEADER_BYTES, offset + 6);
        out.commit(end);
        return;
      }
      case 'data':
        stampData(frame, stampFor(frame), out);
        return;
      case 'ack':
        // The window tracker refuses acks from the Beat before they get here.
        throw new InspectError('ERR_INSPECT_INTERNAL', 'an ack frame inside a window');
    }
  }

  return {
    /**
     * Checks a frame (throws InspectError) and writes what Logstash gets of it into `out`: in
     * stamp mode the frame stamped, in validate mode `raw`, its bytes as they came (none for the
     * frames of a C frame, which travel as their C frame).
     */
    pass(frame: EventFrame, out: ByteQueue, raw?: Buffer): void {
      if (mode === 'stamp') return stamp(frame, out);
      if (frame.type === 'json') checked(frame.seq, frame.payload, checkJsonObject);
      if (frame.type === 'json' || frame.type === 'data') stampFor(frame);
      if (raw) out.push(raw);
    },
  };
}

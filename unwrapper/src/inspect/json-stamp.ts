/**
 * Writes one member into a JSON event by splicing bytes, never by re-serialising the event: every
 * other member keeps its exact bytes, so numbers JavaScript cannot hold (64-bit ids), escapes and
 * key order reach Logstash as the Beat wrote them. The same pass validates the event
 * (json-scan.ts accepts exactly what JSON.parse does), so an event is checked and stamped without
 * being parsed into an object. Every member with the stamped name is removed at each level of the
 * path, escaped spellings included, so no parser (first-wins or last-wins) can see a device's copy.
 */
import { scanJsonObject, scanMembers, type Member } from './json-scan.ts';

const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

/**
 * Copies source[start, end) to target at `offset`; returns the offset after it. An event is
 * written as a handful of short ranges (keys, the stamp, runs of members), where Buffer#copy's
 * argument checks and view cost more than the bytes: short ranges are copied by hand.
 */
function put(source: Buffer, start: number, end: number, target: Buffer, offset: number): number {
  const length = end - start;
  if (length < 64) {
    for (let i = 0; i < length; i++) target[offset + i] = source[start + i]!;
  } else {
    target.set(new Uint8Array(source.buffer, source.byteOffset + start, length), offset);
  }
  return offset + length;
}

/** Whether the member's key is `name` (compared on the bytes, without allocating). */
function keyIs(bytes: Buffer, member: Member, name: Buffer): boolean {
  const start = member.start + 1;
  const end = member.keyEnd - 1;
  let escaped = false;
  if (end - start === name.length) {
    let i = 0;
    while (i < name.length && bytes[start + i] === name[i]) i++;
    if (i === name.length) return true;
  }
  for (let i = start; i < end; i++) {
    if (bytes[i] === BACKSLASH) {
      escaped = true;
      break;
    }
  }
  // Escaped spellings ("\u0040metadata") name the same key; only they need JSON.parse.
  if (!escaped) return false;
  return JSON.parse(bytes.toString('utf8', member.start, member.keyEnd)) === name.toString('utf8');
}

/**
 * Writes the object at `at` with path[depth…] set to `value` into `target` at `offset`; returns
 * the offset after it. Copies ranges of the original straight into the target: no pieces, no
 * intermediate buffers.
 */
function stampObject(
  bytes: Buffer | undefined,
  list: readonly Member[],
  path: readonly Buffer[],
  names: readonly Buffer[],
  depth: number,
  value: Buffer,
  target: Buffer,
  offset: number,
): number {
  const name = names[depth]!;
  let o = offset;
  target[o++] = OPEN_OBJECT;
  o = put(path[depth]!, 0, path[depth]!.length, target, o);
  if (depth === path.length - 1) {
    o = put(value, 0, value.length, target, o);
  } else {
    // Keep what the Beat put under the parent (Filebeat's [@metadata][beat] names the index);
    // the last copy is the one JSON parsers keep.
    let parent: Member | undefined;
    for (const member of list) {
      if (bytes![member.valueStart] === OPEN_OBJECT && keyIs(bytes!, member, name)) {
        parent = member;
      }
    }
    o = stampObject(
      parent ? bytes : undefined,
      parent ? scanMembers(bytes!, parent.valueStart).members : [],
      path,
      names,
      depth + 1,
      value,
      target,
      o,
    );
  }
  // Kept members go out as runs of the original bytes (commas and spacing included): usually
  // the whole object after its opening brace is one range.
  let runStart = -1;
  let runEnd = -1;
  for (const member of list) {
    if (keyIs(bytes!, member, name)) {
      if (runStart >= 0) {
        target[o++] = COMMA;
        o = put(bytes!, runStart, runEnd, target, o);
      }
      runStart = -1;
      continue;
    }
    if (runStart < 0) runStart = member.start;
    runEnd = member.end;
  }
  if (runStart >= 0) {
    target[o++] = COMMA;
    o = put(bytes!, runStart, runEnd, target, o);
  }
  target[o++] = CLOSE_OBJECT;
  return o;
}

export interface JsonStamper {
  /** The event with the field set to `value` (JSON bytes). Throws JsonScanError on bad JSON. */
  stamp(payload: Buffer, value: Buffer): Buffer;
  /** Room the stamped event may need: an upper bound, since removing members only shrinks it. */
  maxLength(payload: Buffer, value: Buffer): number;
  /** Writes the stamped event into `target` at `offset`; returns the offset after it. */
  stampTo(payload: Buffer, value: Buffer, target: Buffer, offset: number): number;
}

export function createJsonStamper(path: readonly string[]): JsonStamper {
  if (path.length === 0) throw new RangeError('the stamped field path is empty');
  // `"name":` for each level, encoded once.
  const keys = path.map((name) => Buffer.from(`${JSON.stringify(name)}:`));
  const names = path.map((name) => Buffer.from(name, 'utf8'));
  // Per level at most: a brace pair, a comma and the key.
  const growth = keys.reduce((sum, key) => sum + key.length + 3, 0);
  function stampTo(payload: Buffer, value: Buffer, target: Buffer, offset: number): number {
    return stampObject(
      payload,
      scanJsonObject(payload).members,
      keys,
      names,
      0,
      value,
      target,
      offset,
    );
  }
  function maxLength(payload: Buffer, value: Buffer): number {
    return payload.length + value.length + growth;
  }
  return {
    stampTo,
    maxLength,
    stamp(payload, value) {
      const target = Buffer.allocUnsafe(maxLength(payload, value));
      return target.subarray(0, stampTo(payload, value, target, 0));
    },
  };
}

/**
 * Writes one member into a JSON event by splicing bytes, never by re-serialising the event: every
 * other member keeps its exact bytes, so numbers JavaScript cannot hold (64-bit ids), escapes and
 * key order reach Logstash as the Beat wrote them. The same pass validates the event
 * (json-scan.ts accepts exactly what JSON.parse does), so an event is checked and stamped without
 * being parsed into an object. Every member with the stamped name is removed at each level of the
 * path, escaped spellings included, so no parser (first-wins or last-wins) can see a device's copy.
 */
import {
  createMemberList,
  releaseMemberList,
  scanJsonObject,
  scanMembers,
  type MemberList,
} from './json-scan.ts';

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

/** Whether member `m` of `list` has the key `name` (compared on the bytes, without allocating). */
function keyIs(bytes: Buffer, list: MemberList, m: number, name: Buffer): boolean {
  const keyStart = list.offsets[m * 4]!;
  const keyEnd = list.offsets[m * 4 + 1]!;
  const start = keyStart + 1;
  const end = keyEnd - 1;
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
  return JSON.parse(bytes.toString('utf8', keyStart, keyEnd)) === name.toString('utf8');
}

interface StampPlan {
  /** `"name":` for each level of the path. */
  readonly keys: readonly Buffer[];
  readonly names: readonly Buffer[];
  /** Members of the object at each level (level 0: the event, read by the scan). */
  readonly lists: readonly MemberList[];
}

/**
 * Writes the object whose members are lists[depth] (none: an object of its own) with
 * path[depth…] set to `value` into `target` at `offset`; returns the offset after it. Copies
 * ranges of the original straight into the target: no pieces, no intermediate buffers.
 */
function stampObject(
  bytes: Buffer,
  plan: StampPlan,
  depth: number,
  hasMembers: boolean,
  value: Buffer,
  target: Buffer,
  offset: number,
): number {
  const { keys, names } = plan;
  const list = plan.lists[depth]!;
  const count = hasMembers ? list.count : 0;
  const offsets = list.offsets;
  const name = names[depth]!;
  let o = offset;
  target[o++] = OPEN_OBJECT;
  o = put(keys[depth]!, 0, keys[depth]!.length, target, o);
  if (depth === keys.length - 1) {
    o = put(value, 0, value.length, target, o);
  } else {
    // Keep what the Beat put under the parent (Filebeat's [@metadata][beat] names the index);
    // the last copy is the one JSON parsers keep.
    let parent = -1;
    for (let m = 0; m < count; m++) {
      if (bytes[offsets[m * 4 + 2]!] === OPEN_OBJECT && keyIs(bytes, list, m, name)) parent = m;
    }
    // Already validated by the scan of the event: this only finds the parent's members.
    if (parent >= 0) scanMembers(bytes, offsets[parent * 4 + 2]!, plan.lists[depth + 1]!);
    o = stampObject(bytes, plan, depth + 1, parent >= 0, value, target, o);
  }
  // Kept members go out as runs of the original bytes (commas and spacing included): usually
  // the whole object after its opening brace is one range.
  let runStart = -1;
  let runEnd = -1;
  for (let m = 0; m < count; m++) {
    if (keyIs(bytes, list, m, name)) {
      if (runStart >= 0) {
        target[o++] = COMMA;
        o = put(bytes, runStart, runEnd, target, o);
      }
      runStart = -1;
      continue;
    }
    if (runStart < 0) runStart = offsets[m * 4]!;
    runEnd = offsets[m * 4 + 3]!;
  }
  if (runStart >= 0) {
    target[o++] = COMMA;
    o = put(bytes, runStart, runEnd, target, o);
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
  /**
   * stampTo in two steps, so a caller can validate the event before it reads anything else of
   * it: `scan` checks it (throws JsonScanError) and remembers its members; `write` stamps the
   * event scanned last.
   */
  scan(payload: Buffer): void;
  write(payload: Buffer, value: Buffer, target: Buffer, offset: number): number;
}

export function createJsonStamper(path: readonly string[]): JsonStamper {
  if (path.length === 0) throw new RangeError('the stamped field path is empty');
  const plan: StampPlan = {
    keys: path.map((name) => Buffer.from(`${JSON.stringify(name)}:`)),
    names: path.map((name) => Buffer.from(name, 'utf8')),
    lists: path.map(() => createMemberList()),
  };
  // Per level at most: a brace pair, a comma and the key.
  const growth = plan.keys.reduce((sum, key) => sum + key.length + 3, 0);
  function scan(payload: Buffer): void {
    scanJsonObject(payload, plan.lists[0]!);
  }
  function write(payload: Buffer, value: Buffer, target: Buffer, offset: number): number {
    try {
      return stampObject(payload, plan, 0, true, value, target, offset);
    } finally {
      for (const list of plan.lists) releaseMemberList(list);
    }
  }
  function stampTo(payload: Buffer, value: Buffer, target: Buffer, offset: number): number {
    scan(payload);
    return write(payload, value, target, offset);
  }
  function maxLength(payload: Buffer, value: Buffer): number {
    return payload.length + value.length + growth;
  }
  return {
    scan,
    write,
    stampTo,
    maxLength,
    stamp(payload, value) {
      const target = Buffer.allocUnsafe(maxLength(payload, value));
      return target.subarray(0, stampTo(payload, value, target, 0));
    },
  };
}

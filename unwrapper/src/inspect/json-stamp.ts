/**
 * Writes one member into a JSON event by splicing bytes, never by re-serialising the event: every
 * other member keeps its exact bytes, so numbers JavaScript cannot hold (64-bit ids), escapes and
 * key order reach Logstash as the Beat wrote them. The input was already validated by the codec
 * (JSON.parse accepted it and it is an object), so the scanner below only has to find member
 * boundaries. Every member with the stamped name is removed at each level of the path, escaped
 * spellings included, so no parser (first-wins or last-wins) can see a device's copy.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

interface Member {
  /** Offset of the key's opening quote, of the end of the key, of the value, and its end. */
  readonly start: number;
  readonly keyEnd: number;
  readonly valueStart: number;
  readonly end: number;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipSpace(bytes: Buffer, at: number): number {
  let i = at;
  while (i < bytes.length && isSpace(bytes[i]!)) i++;
  return i;
}

/** `at` is an opening quote; returns the offset after the closing one. */
function skipString(bytes: Buffer, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote < 0) throw new SyntaxError('unterminated string');
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Returns the offset after the value starting at `at`. */
function skipValue(bytes: Buffer, at: number): number {
  const first = bytes[at]!;
  if (first === QUOTE) return skipString(bytes, at);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    let i = at;
    while (i < bytes.length) {
      const byte = bytes[i]!;
      if (byte === QUOTE) {
        i = skipString(bytes, i);
        continue;
      }
      if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth++;
      else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new SyntaxError('unterminated object or array');
  }
  // A number, true, false or null: runs until a delimiter.
  let i = at;
  while (i < bytes.length) {
    const byte = bytes[i]!;
    if (byte === COMMA || byte === CLOSE_OBJECT || byte === CLOSE_ARRAY || isSpace(byte)) break;
    i++;
  }
  return i;
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

/** The members of the object starting at `at` (an opening brace). */
function members(bytes: Buffer, at: number): Member[] {
  const out: Member[] = [];
  let i = skipSpace(bytes, at + 1);
  if (bytes[i] === CLOSE_OBJECT) return out;
  for (;;) {
    const start = i;
    const keyEnd = skipString(bytes, start);
    i = skipSpace(bytes, keyEnd);
    if (bytes[i] !== COLON) throw new SyntaxError('expected a colon');
    const valueStart = skipSpace(bytes, i + 1);
    const end = skipValue(bytes, valueStart);
    out.push({ start, keyEnd, valueStart, end });
    i = skipSpace(bytes, end);
    if (bytes[i] === COMMA) {
      i = skipSpace(bytes, i + 1);
      continue;
    }
    if (bytes[i] === CLOSE_OBJECT) return out;
    throw new SyntaxError('expected a comma or a closing brace');
  }
}

/**
 * Writes the object at `at` with path[depth…] set to `value` into `target` at `offset`; returns
 * the offset after it. Copies ranges of the original straight into the target: no pieces, no
 * intermediate buffers.
 */
function stampObject(
  bytes: Buffer | undefined,
  at: number,
  path: readonly Buffer[],
  names: readonly Buffer[],
  depth: number,
  value: Buffer,
  target: Buffer,
  offset: number,
): number {
  const list = bytes ? members(bytes, at) : [];
  const name = names[depth]!;
  let o = offset;
  target[o++] = OPEN_OBJECT;
  o += path[depth]!.copy(target, o);
  if (depth === path.length - 1) {
    o += value.copy(target, o);
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
      parent?.valueStart ?? 0,
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
        o += bytes!.copy(target, o, runStart, runEnd);
      }
      runStart = -1;
      continue;
    }
    if (runStart < 0) runStart = member.start;
    runEnd = member.end;
  }
  if (runStart >= 0) {
    target[o++] = COMMA;
    o += bytes!.copy(target, o, runStart, runEnd);
  }
  target[o++] = CLOSE_OBJECT;
  return o;
}

export interface JsonStamper {
  /** The event with the field set to `value` (JSON bytes). Throws SyntaxError on bad JSON. */
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
    const at = skipSpace(payload, 0);
    if (payload[at] !== OPEN_OBJECT) throw new SyntaxError('the event is not a JSON object');
    return stampObject(payload, at, keys, names, 0, value, target, offset);
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

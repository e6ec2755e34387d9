/**
 * A validating JSON scanner over bytes: it accepts exactly what `JSON.parse` accepts (RFC 8259),
 * builds nothing, and reports where members and values start and end. The Lumberjack-aware mode
 * uses it in place of the codec's `JSON.parse`: checking an event costs a pass over its bytes
 * instead of a string and an object per event, and the stamper gets the member boundaries from
 * the same pass. json-scan.test.ts checks it against `JSON.parse` on fuzzed input.
 *
 * The same walks serve every reader of an event: forEachMember and forEachElement visit the
 * members of an object and the elements of an array without building either, for the stamper's
 * runs and the claims policy's named members. Nothing here recurses: a visitor that descends into
 * a member decides how deep it goes.
 */
import { isUtf8 } from 'node:buffer';

// The JSON bytes every scanner in this folder reads by (json-stamp, claims-policy too).
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
export const ZERO = 0x30;
export const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_U = 0x75;

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

/** Bytes that may follow a backslash, besides `u`. */
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

/** Where the bytes stop being JSON, and what was expected there. */
export class JsonScanError extends SyntaxError {
  override name = 'JsonScanError';
  readonly offset: number;
  constructor(offset: number, expected: string) {
    super(`${expected} at byte ${offset}`);
    this.offset = offset;
  }
}

/** Run arrays grown past this (a hostile event splitting runs) are let go after use. */
const KEEP_LIMIT = 1 << 17;

/**
 * What the stamper needs of one object, read in the same pass that validates it: the runs of
 * members to keep (each a start and end offset, covering consecutive members without the name,
 * commas and spacing between them included) and where the value of the last member with the
 * name starts when that value is an object (-1 otherwise). For that member, also where its key
 * starts and how many runs come before it, so the stamper can write it back in its place. Usually
 * one or two runs: a few numbers per event whatever its size. Reused from event to event.
 */
export class ObjectRuns {
  /** Where each run starts and ends, in pairs. */
  offsets: number[] = [];
  parentValue = -1;
  /** The opening quote of the key of the member whose value is parentValue; -1 without one. */
  parentKey = -1;
  /** How many runs come before that member (all of them without one). */
  parentRun = 0;
  /** The stamped name at this object's level. */
  readonly name: Buffer;
  /** While scanning: the run being extended (start -1 when none). */
  runStart = -1;
  runEnd = -1;

  constructor(name: Buffer) {
    this.name = name;
  }

  /** Drops what a hostile event made the run array grow to. */
  release(): void {
    if (this.offsets.length > KEEP_LIMIT) this.offsets = [];
  }
}

/**
 * Whether the key whose quotes are at keyStart and keyEnd - 1 is `name`: compared on the bytes,
 * without allocating; only an escaped spelling ("\u0040metadata") needs JSON.parse, and the key
 * was validated already, so that cannot throw.
 */
export function keyEquals(bytes: Buffer, keyStart: number, keyEnd: number, name: Buffer): boolean {
  const start = keyStart + 1;
  const length = keyEnd - 1 - start;
  if (length === name.length) {
    let i = 0;
    while (i < length && bytes[start + i] === name[i]) i++;
    if (i === length) return true;
  }
  // An escape spells one character with two or more bytes: only a longer key can spell the name.
  if (length <= name.length) return false;
  let escaped = false;
  for (let k = start; k < keyEnd - 1 && !escaped; k++) escaped = bytes[k] === BACKSLASH;
  if (!escaped) return false;
  return JSON.parse(bytes.toString('utf8', keyStart, keyEnd)) === name.toString('utf8');
}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= ZERO && byte <= NINE;
}

/** The first byte of a number: a minus or a digit. */
export function isNumberStart(byte: number | undefined): boolean {
  return byte === MINUS || isDigit(byte);
}

function isHex(byte: number | undefined): boolean {
  return (
    byte !== undefined &&
    ((byte >= ZERO && byte <= NINE) ||
      (byte >= 0x61 && byte <= 0x66) ||
      (byte >= 0x41 && byte <= 0x46))
  );
}

export function skipSpace(bytes: Buffer, at: number): number {
  let i = at;
  while (i < bytes.length && isSpace(bytes[i])) i++;
  return i;
}

/** Bytes a string cannot hold as they are: the quote, the backslash and control characters. */
const STRING_STOP = new Uint8Array(256);
STRING_STOP.fill(1, 0, 0x20);
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;

/** `at` is an opening quote; returns the offset after the closing one. */
export function skipString(bytes: Buffer, at: number): number {
  const length = bytes.length;
  let i = at + 1;
  for (;;) {
    // Most bytes of a string are plain: one table look-up each until the next special one.
    while (i < length && STRING_STOP[bytes[i]!] === 0) i++;
    if (i >= length) throw new JsonScanError(length, 'expected the end of a string');
    const byte = bytes[i]!;
    if (byte === QUOTE) return i + 1;
    if (byte !== BACKSLASH) {
      // Raw control characters (tab and newline included) must be escaped inside strings.
      throw new JsonScanError(i, 'expected an escaped control character in a string');
    }
    const escape = bytes[i + 1];
    if (escape === LOWER_U) {
      for (let k = 2; k < 6; k++) {
        if (!isHex(bytes[i + k])) {
          throw new JsonScanError(i + k, 'expected a hex digit of a \\u escape');
        }
      }
      i += 6;
    } else if (escape !== undefined && SIMPLE_ESCAPES.has(escape)) {
      i += 2;
    } else {
      throw new JsonScanError(i + 1, 'expected an escape character after a backslash');
    }
  }
}

function skipDigits(bytes: Buffer, at: number): number {
  if (!isDigit(bytes[at])) throw new JsonScanError(at, 'expected a digit');
  let i = at + 1;
  while (isDigit(bytes[i])) i++;
  return i;
}

/** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
function skipNumber(bytes: Buffer, at: number): number {
  let i = at;
  if (bytes[i] === MINUS) i++;
  if (bytes[i] === ZERO) i++;
  else i = skipDigits(bytes, i);
  if (bytes[i] === DOT) i = skipDigits(bytes, i + 1);
  if (bytes[i] === LOWER_E || bytes[i] === UPPER_E) {
    i++;
    if (bytes[i] === PLUS || bytes[i] === MINUS) i++;
    i = skipDigits(bytes, i);
  }
  return i;
}

function skipLiteral(bytes: Buffer, at: number, literal: Buffer): number {
  for (let k = 0; k < literal.length; k++) {
    if (bytes[at + k] !== literal[k])
      throw new JsonScanError(at + k, `expected ${literal.toString()}`);
  }
  return at + literal.length;
}

/** After a key's opening quote at `at`: skips the key, the colon and the space after it. */
function skipKey(bytes: Buffer, at: number): number {
  if (bytes[at] !== QUOTE) throw new JsonScanError(at, 'expected a key');
  const i = skipSpace(bytes, skipString(bytes, at));
  if (bytes[i] !== COLON) throw new JsonScanError(i, 'expected a colon');
  return skipSpace(bytes, i + 1);
}

/** Containers open around the current value; shared (scans never nest), grown when needed. */
let containers = new Uint8Array(64);

/**
 * Returns the offset after the JSON value starting at `at`. Nested containers are tracked on an
 * explicit stack, not by recursion, so no nesting depth can overflow the call stack (JSON.parse
 * accepts deep nesting too).
 */
export function skipValue(bytes: Buffer, at: number): number {
  let depth = 0;
  let i = at;
  for (;;) {
    // A value starts at i.
    const first = bytes[i];
    if (first === QUOTE) {
      i = skipString(bytes, i);
    } else if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
      const close = first === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
      i = skipSpace(bytes, i + 1);
      if (bytes[i] === close) {
        i++;
      } else {
        if (depth === containers.length) {
          const grown = new Uint8Array(depth * 2);
          grown.set(containers);
          containers = grown;
        }
        containers[depth++] = first;
        if (first === OPEN_OBJECT) i = skipKey(bytes, i);
        continue;
      }
    } else if (isNumberStart(first)) {
      i = skipNumber(bytes, i);
    } else if (first === 0x74) {
      i = skipLiteral(bytes, i, TRUE);
    } else if (first === 0x66) {
      i = skipLiteral(bytes, i, FALSE);
    } else if (first === 0x6e) {
      i = skipLiteral(bytes, i, NULL);
    } else {
      throw new JsonScanError(i, 'expected a value');
    }
    // A value ended at i: close containers until a comma opens the next value.
    for (;;) {
      if (depth === 0) return i;
      const container = containers[depth - 1];
      i = skipSpace(bytes, i);
      const byte = bytes[i];
      if (byte === COMMA) {
        i = skipSpace(bytes, i + 1);
        if (container === OPEN_OBJECT) i = skipKey(bytes, i);
        break;
      }
      if (byte === (container === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        depth--;
        i++;
        continue;
      }
      throw new JsonScanError(i, container === OPEN_OBJECT ? 'expected , or }' : 'expected , or ]');
    }
  }
}

/** One member of an object whose runs are read: kept (extends the run) or named (ends it). */
function visitRun(
  bytes: Buffer,
  start: number,
  keyEnd: number,
  valueStart: number,
  runs: ObjectRuns,
): number {
  const end = skipValue(bytes, valueStart);
  const name = runs.name;
  if (keyEquals(bytes, start, keyEnd, name)) {
    if (runs.runStart >= 0) runs.offsets.push(runs.runStart, runs.runEnd);
    runs.runStart = -1;
    // The last copy that is an object is the one whose content is kept.
    if (bytes[valueStart] === OPEN_OBJECT) {
      runs.parentValue = valueStart;
      runs.parentKey = start;
      runs.parentRun = runs.offsets.length / 2;
    }
  } else {
    if (runs.runStart < 0) runs.runStart = start;
    runs.runEnd = end;
  }
  return end;
}

/**
 * Validates the object starting at `at` (an opening brace) and reads its runs for the stamper
 * (see ObjectRuns) into `runs`; returns the offset after the closing brace.
 */
export function scanObjectRuns(bytes: Buffer, at: number, runs: ObjectRuns): number {
  runs.offsets.length = 0;
  runs.parentValue = -1;
  runs.parentKey = -1;
  runs.runStart = -1;
  const end = forEachMember(bytes, at, runs, visitRun);
  if (runs.runStart >= 0) runs.offsets.push(runs.runStart, runs.runEnd);
  if (runs.parentValue < 0) runs.parentRun = runs.offsets.length / 2;
  return end;
}

/**
 * Lets go of a container stack that deep nesting grew, whether the scan passed or threw; for
 * readers that call skipValue themselves, once they are done with an event.
 */
export function releaseStack(): void {
  if (containers.length > KEEP_LIMIT) containers = new Uint8Array(64);
}

/**
 * Checks that `payload` is one JSON object (UTF-8, whitespace around it allowed, nothing else):
 * what a Lumberjack J frame must carry. With `runs`, the same pass reads the event's runs for the
 * stamper (see scanObjectRuns). Throws JsonScanError.
 */
export function checkJsonObject(payload: Buffer, runs?: ObjectRuns): void {
  try {
    if (!isUtf8(payload)) throw new JsonScanError(0, 'expected UTF-8');
    const at = skipSpace(payload, 0);
    if (payload[at] !== OPEN_OBJECT) throw new JsonScanError(at, 'expected a JSON object');
    const end = skipSpace(
      payload,
      runs ? scanObjectRuns(payload, at, runs) : skipValue(payload, at),
    );
    if (end !== payload.length) throw new JsonScanError(end, 'expected the end of the event');
  } finally {
    releaseStack();
  }
}

/**
 * Called for one member: its key's quotes are at keyStart and keyEnd - 1, its value starts at
 * valueStart; returns the offset after the value. `context` is passed through, so a visitor can
 * be a module-level function and a walk allocates nothing.
 */
export type MemberVisitor<C> = (
  bytes: Buffer,
  keyStart: number,
  keyEnd: number,
  valueStart: number,
  context: C,
) => number;

/** Called for one value starting at `at`; returns the offset after it. */
export type ValueVisitor<C> = (bytes: Buffer, at: number, context: C) => number;

/**
 * Visits every member of the object whose opening brace is at `at`, duplicates included and in
 * order; returns the offset after the closing brace.
 */
export function forEachMember<C>(
  bytes: Buffer,
  at: number,
  context: C,
  visit: MemberVisitor<C>,
): number {
  if (bytes[at] !== OPEN_OBJECT) throw new JsonScanError(at, 'expected an object');
  let i = skipSpace(bytes, at + 1);
  if (bytes[i] === CLOSE_OBJECT) return i + 1;
  for (;;) {
    if (bytes[i] !== QUOTE) throw new JsonScanError(i, 'expected a key');
    const keyEnd = skipString(bytes, i);
    const colon = skipSpace(bytes, keyEnd);
    if (bytes[colon] !== COLON) throw new JsonScanError(colon, 'expected a colon');
    const end = visit(bytes, i, keyEnd, skipSpace(bytes, colon + 1), context);
    i = skipSpace(bytes, end);
    if (bytes[i] === CLOSE_OBJECT) return i + 1;
    if (bytes[i] !== COMMA) throw new JsonScanError(i, 'expected , or }');
    i = skipSpace(bytes, i + 1);
  }
}

/**
 * Visits the value at `at` or, when it is an array, every element of it with arrays inside it
 * flattened (`[[1], 2]` visits 1 and 2), as Elasticsearch indexes an array field. Only arrays
 * are open at any time, so a counter replaces a stack and no nesting depth is too deep. Returns
 * the offset after the value.
 */
export function forEachElement<C>(
  bytes: Buffer,
  at: number,
  context: C,
  visit: ValueVisitor<C>,
): number {
  let depth = 0;
  let i = at;
  for (;;) {
    if (bytes[i] === OPEN_ARRAY) {
      i = skipSpace(bytes, i + 1);
      if (bytes[i] !== CLOSE_ARRAY) {
        depth++;
        continue;
      }
      i++;
    } else {
      i = visit(bytes, i, context);
    }
    // A value ended at i: close arrays until a comma opens the next element.
    for (;;) {
      if (depth === 0) return i;
      i = skipSpace(bytes, i);
      if (bytes[i] === COMMA) {
        i = skipSpace(bytes, i + 1);
        break;
      }
      if (bytes[i] !== CLOSE_ARRAY) throw new JsonScanError(i, 'expected , or ]');
      depth--;
      i++;
    }
  }
}

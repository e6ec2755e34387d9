/**
 * Walking the members of a JSON object and the elements of an array on its bytes, without
 * building either, for readers that look at a few named members (the claims policy). Bytes are
 * expected to be validated already (json-scan.ts); a malformed value still ends in a
 * JsonScanError, never a loop. Nothing here recurses: a visitor that descends into a member
 * decides how deep it goes.
 */
import {
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  JsonScanError,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
  skipSpace,
  skipString,
} from './json-scan.ts';

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

/**
 * A fixed set of names to look keys up in. A key is compared on its bytes; only a key spelled
 * with an escape ("host\u002ename") is decoded, once, whatever the number of names.
 */
export interface KeySet {
  /** Index of the name the key (quotes at keyStart and keyEnd - 1) spells, or -1. */
  indexOf(bytes: Buffer, keyStart: number, keyEnd: number): number;
}

export function createKeySet(names: readonly string[]): KeySet {
  const encoded = names.map((name) => Buffer.from(name));
  const byText = new Map(names.map((name, index) => [name, index]));
  const shortest = Math.min(...encoded.map((name) => name.length));
  return {
    indexOf(bytes, keyStart, keyEnd) {
      const start = keyStart + 1;
      const length = keyEnd - 1 - start;
      for (let n = 0; n < encoded.length; n++) {
        const name = encoded[n]!;
        if (name.length !== length) continue;
        let k = 0;
        while (k < length && bytes[start + k] === name[k]) k++;
        if (k === length) return n;
      }
      // An escape spells one character with two or more bytes: only a longer key can spell a name.
      if (length <= shortest) return -1;
      let escaped = false;
      for (let k = start; k < keyEnd - 1 && !escaped; k++) escaped = bytes[k] === BACKSLASH;
      if (!escaped) return -1;
      return byText.get(JSON.parse(bytes.toString('utf8', keyStart, keyEnd)) as string) ?? -1;
    },
  };
}

/**
 * Writes one member into a JSON event by splicing bytes, never by re-serialising the event: every
 * other member keeps its exact bytes, so numbers JavaScript cannot hold (64-bit ids), escapes and
 * key order reach Logstash as the Beat wrote them. The same pass validates the event
 * (json-scan.ts accepts exactly what JSON.parse does), so an event is checked and stamped without
 * being parsed into an object. Every member with the stamped name is removed at each level of the
 * path, escaped spellings included, so no parser (first-wins or last-wins) can see a device's copy.
 */
import {
  createObjectRuns,
  releaseObjectRuns,
  scanJsonObjectRuns,
  scanObjectRuns,
  type ObjectRuns,
} from './json-scan.ts';

const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

/** Copies source[start, end) to target at `offset` (Buffer#copy is a fast native call). */
function put(source: Buffer, start: number, end: number, target: Buffer, offset: number): number {
  return offset + source.copy(target, offset, start, end);
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
   * it: `scan` checks it (throws JsonScanError) and remembers where its kept members and the
   * stamped name's parent are; `write` stamps the event scanned last.
   */
  readonly scan: (payload: Buffer) => void;
  write(payload: Buffer, value: Buffer, target: Buffer, offset: number): number;
}

/**
 * The stamped event is `{"a":{"b":VALUE` (the prefix, one copy), then from the innermost level
 * out: the kept runs of that level's object, each after a comma, and its closing brace. A level
 * whose parent object the event lacks (or has as a non-object) has no runs of its own.
 */
export function createJsonStamper(path: readonly string[]): JsonStamper {
  if (path.length === 0) throw new RangeError('the stamped field path is empty');
  const keys = path.map((name) => `${JSON.stringify(name)}:`);
  const names = path.map((name) => Buffer.from(name, 'utf8'));
  /** Runs of the object at each level; level 0 is the event, read by the scan. */
  const levels: ObjectRuns[] = path.map(() => createObjectRuns());
  const present: boolean[] = path.map(() => false);
  const opening = Buffer.from(keys.map((key) => `{${key}`).join(''));
  // Built once per stamp value (the encoder keeps a handful per tunnel).
  const prefixes = new WeakMap<Buffer, Buffer>();
  // The prefix adds a brace and a key per level, and each level at most a comma and a brace.
  const growth = opening.length + 2 * path.length;

  function prefixFor(value: Buffer): Buffer {
    let prefix = prefixes.get(value);
    if (!prefix) {
      prefix = Buffer.concat([opening, value]);
      prefixes.set(value, prefix);
    }
    return prefix;
  }

  function scan(payload: Buffer): void {
    scanJsonObjectRuns(payload, names[0]!, levels[0]!);
  }

  function write(payload: Buffer, value: Buffer, target: Buffer, offset: number): number {
    try {
      present[0] = true;
      for (let depth = 1; depth < path.length; depth++) {
        const parent = present[depth - 1]! ? levels[depth - 1]!.parentValue : -1;
        present[depth] = parent >= 0;
        // Validated by the scan of the event already: this only reads the parent's runs.
        if (parent >= 0) scanObjectRuns(payload, parent, names[depth]!, levels[depth]!);
      }
      const prefix = prefixFor(value);
      let o = put(prefix, 0, prefix.length, target, offset);
      for (let depth = path.length - 1; depth >= 0; depth--) {
        if (present[depth]) {
          const runs = levels[depth]!;
          for (let r = 0; r < runs.count; r++) {
            target[o++] = COMMA;
            o = put(payload, runs.offsets[r * 2]!, runs.offsets[r * 2 + 1]!, target, o);
          }
        }
        target[o++] = CLOSE_OBJECT;
      }
      return o;
    } finally {
      for (const runs of levels) releaseObjectRuns(runs);
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

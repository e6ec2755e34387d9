/**
 * Writes one member into a JSON event by splicing bytes, never by re-serialising the event: every
 * other member keeps its exact bytes and its place, so numbers JavaScript cannot hold (64-bit
 * ids), escapes and key order reach Logstash as the Beat wrote them. The same pass validates the
 * event (json-scan.ts accepts exactly what JSON.parse does), so an event is checked and stamped
 * without being parsed into an object. Every member with the stamped name is removed at each level
 * of the path, escaped spellings included, so no parser (first-wins or last-wins) can see a
 * device's copy.
 */
import {
  checkJsonObject,
  CLOSE_OBJECT,
  COMMA,
  OPEN_OBJECT,
  scanObjectRuns,
  ObjectRuns,
} from './json-scan.ts';

/** Copies source[start, end) to target at `offset` (Buffer#copy is a fast native call). */
function put(source: Buffer, start: number, end: number, target: Buffer, offset: number): number {
  return offset + source.copy(target, offset, start, end);
}

/** Writes runs [from, to) of `runs`, each after a comma. */
function putRuns(
  payload: Buffer,
  runs: ObjectRuns,
  from: number,
  to: number,
  target: Buffer,
  offset: number,
): number {
  let o = offset;
  for (let r = from; r < to; r++) {
    target[o++] = COMMA;
    o = put(payload, runs.offsets[r * 2]!, runs.offsets[r * 2 + 1]!, target, o);
  }
  return o;
}

export interface JsonStamper {
  /** `"a":{"b":VALUE}` for the stamp value `value` (JSON bytes): what write() adds. */
  member(value: Buffer): Buffer;
  /**
   * Checks the event (throws JsonScanError) and remembers where its kept members and the stamped
   * name's parent are, so a caller can validate the event before it reads anything else of it.
   */
  readonly scan: (payload: Buffer) => void;
  /** Writes the event scanned last, stamped with `member`, at `offset`; returns the offset after. */
  write(payload: Buffer, member: Buffer, target: Buffer, offset: number): number;
  /** Room the stamped event may need: an upper bound, since removing members only shrinks it. */
  maxLength(payload: Buffer, member: Buffer): number;
  /** The event with the field set to `value` (JSON bytes), in a buffer of its own. */
  stamp(payload: Buffer, value: Buffer): Buffer;
}

/**
 * Where the stamp goes, so that no kept member moves: the event's members keep their order, and
 * so do the members of each parent object on the path. A parent the event has (its last copy
 * whose value is an object, as scanned) stays where the device put it, with the stamp written
 * inside it; the member the stamper adds, the field itself or the first parent the event lacks
 * (or has only as a non-object), goes last in its object. Last, not where a removed copy was:
 * the run arrays then need no extra bookkeeping, and appending moves nothing.
 *
 * So the stamped event is, down the path, each level's object up to its parent member (the kept
 * runs before it, each after a comma, then the parent's own key bytes), then the added member
 * (`"b":VALUE`, or `"a":{"b":VALUE}` from a level with no parent), then back up, each level's
 * closing brace and the runs after its parent. The spacing between runs is not kept: a run's
 * bytes are, and the runs are joined by single commas.
 */
export function createJsonStamper(path: readonly string[]): JsonStamper {
  if (path.length === 0) throw new RangeError('the stamped field path is empty');
  const innermost = path.length - 1;
  /** Runs of the object at each level; level 0 is the event, read by the scan. */
  const levels: ObjectRuns[] = path.map((name) => new ObjectRuns(Buffer.from(name, 'utf8')));
  /** `"a":{"b":` ; a member added at level d starts at byte heads[d] of it. */
  const head = Buffer.from(path.map((name) => `${JSON.stringify(name)}:`).join('{'));
  const heads: number[] = [0];
  for (let depth = 1; depth < path.length; depth++) {
    heads.push(heads[depth - 1]! + Buffer.byteLength(`${JSON.stringify(path[depth - 1])}:{`));
  }
  const closing = Buffer.alloc(innermost, CLOSE_OBJECT);

  const stamper: JsonStamper = {
    member: (value) => Buffer.concat([head, value, closing]),
    scan(payload) {
      checkJsonObject(payload, levels[0]);
    },
    write(payload, member, target, offset) {
      try {
        let o = offset;
        let depth = 0;
        // Down the path: each level up to its parent's value, or up to the end of its members.
        for (;;) {
          const runs = levels[depth]!;
          const parent = depth < innermost ? runs.parentValue : -1;
          const before = parent >= 0 ? runs.parentRun : runs.offsets.length / 2;
          target[o++] = OPEN_OBJECT;
          if (before > 0) {
            o = put(payload, runs.offsets[0]!, runs.offsets[1]!, target, o);
            o = putRuns(payload, runs, 1, before, target, o);
            target[o++] = COMMA;
          }
          if (parent < 0) {
            // The added member is the part of `member` from heads[depth] to depth bytes before its end.
            o = put(member, heads[depth]!, member.length - depth, target, o);
            break;
          }
          o = put(payload, runs.parentKey, parent, target, o);
          depth++;
          // Validated by the scan of the event already: this only reads the parent's runs.
          scanObjectRuns(payload, parent, levels[depth]!);
        }
        // Back up: each level's closing brace, then what follows its parent in the level above.
        target[o++] = CLOSE_OBJECT;
        while (depth > 0) {
          const runs = levels[--depth]!;
          o = putRuns(payload, runs, runs.parentRun, runs.offsets.length / 2, target, o);
          target[o++] = CLOSE_OBJECT;
        }
        return o;
      } finally {
        for (const runs of levels) runs.release();
      }
    },
    // The added member and a comma before it: every other byte written is one of the event's (a
    // comma written between two kept members stands for at least one comma between them).
    maxLength: (payload, member) => payload.length + member.length + 1,
    stamp(payload, value) {
      const member = stamper.member(value);
      const target = Buffer.allocUnsafe(stamper.maxLength(payload, member));
      stamper.scan(payload);
      return target.subarray(0, stamper.write(payload, member, target, 0));
    },
  };
  return stamper;
}

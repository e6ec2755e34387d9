/**
 * Optional check of what a device says about itself against what its token says: an event whose
 * `host.name` or `agent.id` disagrees with the configured claim is tagged (the stamped identity
 * lists the fields) or makes the whole tunnel close with 1008 before the event is forwarded.
 * There is deliberately no 'drop': removing an event changes the window, and the Beat's ack
 * accounting (ack seq = its window's last seq) would then acknowledge an event Logstash never got
 * or wait forever for one; a tombstone or renumbering would hand Logstash data the Beat never
 * sent. Closing is the only refusal that keeps the tunnel's promise (docs/design.md).
 *
 * The policy sees what Logstash and Elasticsearch see, not what JSON.parse keeps: every spelling
 * of a field is compared, and any one that disagrees is a mismatch (docs/unwrapper.md, "Dotted
 * and nested names"). For `host.name` that is the key "host.name", `host` → "name", arrays of
 * objects on the way (Elasticsearch indexes `{"host":[{"name":…}]}` as host.name), keys spelled
 * with escapes, and every copy of a duplicated key, on the event's bytes in one pass.
 */
import { forEachDataPair } from '@beats-gate/lumberjack';
import {
  createKeySet,
  forEachElement,
  forEachMember,
  keyEquals,
  type KeySet,
  MINUS,
  NINE,
  OPEN_OBJECT,
  QUOTE,
  releaseStack,
  skipSpace,
  skipString,
  skipValue,
  ZERO,
} from './json-scan.ts';
import { MAX_FIELD_DEPTH } from './field-path.ts';

export type ClaimPolicyMode = 'off' | 'tag' | 'reject';

export interface ClaimCheck {
  /** Dotted event field: host.name or agent.id. */
  readonly field: string;
  /** Claim of the token it must equal. */
  readonly claim: string;
}

export interface ClaimsPolicy {
  /** Fields of this J event (raw JSON bytes, already validated as one JSON object) that disagree with their claim; empty when all agree. */
  checkJson(payload: Buffer): string[];
  /**
   * Same for a v1 D frame (its whole bytes): keys are flat strings, so only the exact dotted key is
   * a representation, and every copy of it counts.
   */
  checkData(frame: Buffer): string[];
}

/** One checked field whose last segments a key spelled: its value is compared with the claim. */
interface Leaf {
  readonly expected: Buffer;
  readonly index: number;
  /** Per check, set when any representation disagreed; shared by the policy's leaves. */
  readonly mismatched: Uint8Array;
}

/** Where a key leads: fields it completes, and the object reached when it only starts them. */
interface Edge {
  readonly leaves: Leaf[];
  next: ClaimNode | undefined;
}

/**
 * The names that matter in an object at some point of the paths: every dotted join of the
 * segments still to go (`host.name`, `host` at the top; `name` below `host`).
 */
interface ClaimNode {
  readonly keys: KeySet;
  readonly edges: readonly Edge[];
}

interface Cursor {
  readonly segments: readonly string[];
  /** Segments already consumed by the keys on the way here. */
  readonly at: number;
  readonly leaf: Leaf;
}

/** At most MAX_FIELD_DEPTH levels, so building (and walking) never goes deeper than that. */
function buildNode(cursors: readonly Cursor[]): ClaimNode {
  const names: string[] = [];
  const edges: Edge[] = [];
  const below: Cursor[][] = [];
  for (const cursor of cursors) {
    for (let end = cursor.at + 1; end <= cursor.segments.length; end++) {
      const name = cursor.segments.slice(cursor.at, end).join('.');
      let n = names.indexOf(name);
      if (n < 0) {
        n = names.push(name) - 1;
        edges.push({ leaves: [], next: undefined });
        below.push([]);
      }
      if (end === cursor.segments.length) edges[n]!.leaves.push(cursor.leaf);
      else below[n]!.push({ ...cursor, at: end });
    }
  }
  edges.forEach((edge, n) => {
    if (below[n]!.length > 0) edge.next = buildNode(below[n]!);
  });
  return { keys: createKeySet(names), edges };
}

function isNumberStart(byte: number | undefined): boolean {
  return byte === MINUS || (byte !== undefined && byte >= ZERO && byte <= NINE);
}

/**
 * One value of a field (arrays are flattened before): a string that decodes to the claim's text
 * or a number spelled exactly as it agrees; anything else present disagrees. A number is
 * compared as spelled (`5.0` is not `5`): Logstash and a keyword mapping keep that spelling.
 */
function judgeValue(bytes: Buffer, at: number, leaf: Leaf): number {
  const first = bytes[at];
  if (first === QUOTE) {
    const end = skipString(bytes, at);
    if (!keyEquals(bytes, at, end, leaf.expected)) leaf.mismatched[leaf.index] = 1;
    return end;
  }
  const end = skipValue(bytes, at);
  if (!isNumberStart(first) || leaf.expected.compare(bytes, at, end) !== 0) {
    leaf.mismatched[leaf.index] = 1;
  }
  return end;
}

/** A value on the way to a field: only an object (or one inside an array) leads further. */
function descend(bytes: Buffer, at: number, node: ClaimNode): number {
  if (bytes[at] !== OPEN_OBJECT) return skipValue(bytes, at);
  return forEachMember(bytes, at, node, visitMember);
}

function visitMember(
  bytes: Buffer,
  keyStart: number,
  keyEnd: number,
  valueStart: number,
  node: ClaimNode,
): number {
  const n = node.keys.indexOf(bytes, keyStart, keyEnd);
  if (n < 0) return skipValue(bytes, valueStart);
  const edge = node.edges[n]!;
  let end = valueStart;
  for (const leaf of edge.leaves) end = forEachElement(bytes, valueStart, leaf, judgeValue);
  if (edge.next) end = forEachElement(bytes, valueStart, edge.next, descend);
  return end;
}

/** Claims and fields compare as text: a number claim matches the same number as a string. */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A field the event does not carry is not checked (it claims nothing), nor is a claim the token
 * does not carry (there is nothing to compare with); both are documented in docs/unwrapper.md.
 * Throws a RangeError for a field that is not 1 to MAX_FIELD_DEPTH non-empty dotted segments.
 */
export function createClaimsPolicy(
  checks: readonly ClaimCheck[],
  claims: Readonly<Record<string, unknown>>,
): ClaimsPolicy {
  for (const { field } of checks) {
    const segments = field.split('.');
    if (segments.length > MAX_FIELD_DEPTH || segments.some((segment) => segment === '')) {
      throw new RangeError(
        `checks: field ${JSON.stringify(field)} must be 1 to ${MAX_FIELD_DEPTH} non-empty dotted segments`,
      );
    }
  }
  const active = checks
    .filter((c) => Object.hasOwn(claims, c.claim) && claims[c.claim] !== null)
    .map((c) => ({ field: c.field, expected: textOf(claims[c.claim]) }));
  const mismatched = new Uint8Array(active.length);
  const root = buildNode(
    active.map((check, index) => ({
      segments: check.field.split('.'),
      at: 0,
      leaf: { expected: Buffer.from(check.expected), index, mismatched },
    })),
  );

  const dataKeys = active.map((check) => ({
    key: Buffer.from(check.field),
    expected: Buffer.from(check.expected),
  }));

  function mismatchedFields(): string[] {
    const fields: string[] = [];
    for (let index = 0; index < active.length; index++) {
      if (mismatched[index] === 1) fields.push(active[index]!.field);
    }
    return fields;
  }

  return {
    checkJson(payload) {
      if (active.length === 0) return [];
      mismatched.fill(0);
      try {
        forEachMember(payload, skipSpace(payload, 0), root, visitMember);
      } finally {
        releaseStack();
      }
      return mismatchedFields();
    },
    checkData(frame) {
      if (active.length === 0) return [];
      mismatched.fill(0);
      // On the bytes, every pair in wire order: a duplicated key cannot hide a value, and a
      // frame of many pairs never becomes an object.
      forEachDataPair(frame, (k0, k1, v0, v1) => {
        for (let index = 0; index < dataKeys.length; index++) {
          const { key, expected } = dataKeys[index]!;
          if (k1 - k0 !== key.length || frame.compare(key, 0, key.length, k0, k1) !== 0) continue;
          if (frame.compare(expected, 0, expected.length, v0, v1) !== 0) mismatched[index] = 1;
        }
      });
      return mismatchedFields();
    },
  };
}

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
  BACKSLASH,
  forEachElement,
  forEachMember,
  isNumberStart,
  keyEquals,
  OPEN_OBJECT,
  QUOTE,
  releaseStack,
  skipSpace,
  skipString,
  skipValue,
} from './json-scan.ts';
import { parseFieldPath } from './field-path.ts';

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

/** One checked field: its dotted path (text and bytes), the claim's text, and the verdict. */
interface Field {
  readonly text: string;
  readonly path: Buffer;
  readonly expected: Buffer;
  /** Set when any representation in the event being checked disagreed. */
  mismatched: boolean;
}

/**
 * An object on the way to the fields: the dotted path that leads to it (with its trailing dot;
 * empty for the event) and the fields that path is a start of. A member's path is the prefix and
 * its key, as Elasticsearch joins them: a member whose path is a field is compared, one whose
 * path starts fields is descended into, and every other member is skipped. Each level adds a
 * segment, so a walk never goes deeper than MAX_FIELD_DEPTH objects.
 */
interface Place {
  readonly prefix: string;
  /** The prefix's length in bytes: where the rest of each field's path starts. */
  readonly at: number;
  readonly fields: readonly Field[];
}

/**
 * One value of a field (arrays are flattened before): a string that decodes to the claim's text
 * or a number spelled exactly as it agrees; anything else present disagrees. A number is
 * compared as spelled (`5.0` is not `5`): Logstash and a keyword mapping keep that spelling.
 */
function judgeValue(bytes: Buffer, at: number, field: Field): number {
  const first = bytes[at];
  if (first === QUOTE) {
    const end = skipString(bytes, at);
    if (!keyEquals(bytes, at, end, field.expected)) field.mismatched = true;
    return end;
  }
  const end = skipValue(bytes, at);
  if (!isNumberStart(first) || field.expected.compare(bytes, at, end) !== 0) {
    field.mismatched = true;
  }
  return end;
}

/** A value on the way to a field: only an object (or one inside an array) leads further. */
function descend(bytes: Buffer, at: number, place: Place): number {
  if (bytes[at] !== OPEN_OBJECT) return skipValue(bytes, at);
  return forEachMember(bytes, at, place, visitMember);
}

/** Whether a key can continue a field's path: checked on its first byte, so most keys are skipped
 * without being decoded (an escaped key always is). */
function mayLead(bytes: Buffer, keyStart: number, place: Place): boolean {
  const first = bytes[keyStart + 1];
  if (first === BACKSLASH) return true;
  for (const field of place.fields) if (field.path[place.at] === first) return true;
  return false;
}

function visitMember(
  bytes: Buffer,
  keyStart: number,
  keyEnd: number,
  valueStart: number,
  place: Place,
): number {
  if (!mayLead(bytes, keyStart, place)) return skipValue(bytes, valueStart);
  // The key was validated: only one spelled with escapes needs decoding.
  const raw = bytes.toString('utf8', keyStart + 1, keyEnd - 1);
  const path = place.prefix + (raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw);
  const below: Field[] = [];
  let end = -1;
  for (const field of place.fields) {
    if (field.text === path) end = forEachElement(bytes, valueStart, field, judgeValue);
    else if (field.text.startsWith(`${path}.`)) below.push(field);
  }
  if (below.length > 0) {
    const next = { prefix: `${path}.`, at: Buffer.byteLength(path) + 1, fields: below };
    end = forEachElement(bytes, valueStart, next, descend);
  }
  return end < 0 ? skipValue(bytes, valueStart) : end;
}

/** Claims and fields compare as text: a number claim matches the same number as a string. */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A field the event does not carry is not checked (it claims nothing), nor is a claim the token
 * does not carry (there is nothing to compare with); both are documented in docs/unwrapper.md.
 * Throws FieldPathError for a field that is not 1 to MAX_FIELD_DEPTH dotted segments.
 */
export function createClaimsPolicy(
  checks: readonly ClaimCheck[],
  claims: Readonly<Record<string, unknown>>,
): ClaimsPolicy {
  // The walk descends one object per segment: a field's depth bounds it.
  for (const { field } of checks) parseFieldPath(field);
  const fields: Field[] = checks
    .filter((c) => Object.hasOwn(claims, c.claim) && claims[c.claim] !== null)
    .map((c) => ({
      text: c.field,
      path: Buffer.from(c.field),
      expected: Buffer.from(textOf(claims[c.claim])),
      mismatched: false,
    }));
  const root: Place = { prefix: '', at: 0, fields };

  /** Runs one event's walk; returns the fields it found disagreeing, in the order of the checks. */
  function verdict(walk: () => void): string[] {
    if (fields.length === 0) return [];
    for (const field of fields) field.mismatched = false;
    walk();
    return fields.filter((field) => field.mismatched).map((field) => field.text);
  }

  return {
    checkJson: (payload) =>
      verdict(() => {
        try {
          forEachMember(payload, skipSpace(payload, 0), root, visitMember);
        } finally {
          releaseStack();
        }
      }),
    // On the bytes, every pair in wire order: a duplicated key cannot hide a value, and a frame
    // of many pairs never becomes an object.
    checkData: (frame) =>
      verdict(() =>
        forEachDataPair(frame, (k0, k1, v0, v1) => {
          for (const field of fields) {
            const { path, expected } = field;
            if (k1 - k0 !== path.length || frame.compare(path, 0, path.length, k0, k1) !== 0)
              continue;
            if (frame.compare(expected, 0, expected.length, v0, v1) !== 0) field.mismatched = true;
          }
        }),
      ),
  };
}

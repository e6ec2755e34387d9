/**
 * Optional check of what a device says about itself against what its token says: an event whose
 * `host.name` or `agent.id` disagrees with the configured claim is tagged (the stamped identity
 * lists the fields) or makes the whole tunnel close with 1008 before its window is forwarded.
 * There is deliberately no 'drop': removing an event changes the window, and the Beat's ack
 * accounting (ack seq = its window's last seq) would then acknowledge an event Logstash never got
 * or wait forever for one; a tombstone or renumbering would hand Logstash data the Beat never
 * sent. Closing is the only refusal that keeps DESIGN.md §2.
 */
export type ClaimPolicyMode = 'off' | 'tag' | 'reject';

export interface ClaimCheck {
  /** Dotted event field: host.name or agent.id. */
  readonly field: string;
  /** Claim of the token it must equal. */
  readonly claim: string;
}

/** A nested (`{"host":{"name":…}}`) or flat (`{"host.name":…}`) field value, if present. */
export function fieldValue(event: Record<string, unknown>, field: string): unknown {
  if (Object.hasOwn(event, field)) return event[field];
  let current: unknown = event;
  for (const segment of field.split('.')) {
    if (!current || typeof current !== 'object' || !Object.hasOwn(current, segment)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Claims and fields compare as text: a number claim matches the same number as a string. */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export interface ClaimsPolicy {
  /** Fields of this event that disagree with their claim (empty when all agree). */
  check(event: Record<string, unknown>): string[];
}

/**
 * A field the event does not carry is not checked (it claims nothing), nor is a claim the token
 * does not carry (there is nothing to compare with); both are documented in docs/unwrapper.md.
 */
export function createClaimsPolicy(
  checks: readonly ClaimCheck[],
  claims: Readonly<Record<string, unknown>>,
): ClaimsPolicy {
  const active = checks
    .filter((c) => Object.hasOwn(claims, c.claim) && claims[c.claim] !== null)
    .map((c) => ({ field: c.field, expected: textOf(claims[c.claim]) }));
  return {
    check(event) {
      const mismatched: string[] = [];
      for (const { field, expected } of active) {
        const value = fieldValue(event, field);
        if (value !== undefined && textOf(value) !== expected) mismatched.push(field);
      }
      return mismatched;
    },
  };
}

/**
 * What is written into each event: the verified identity of the tunnel (subject, the claims the
 * operator listed, tunnel id). Built once per tunnel; the JSON form for J frames and the
 * flattened string form for v1 D frames, whose values can only be strings.
 */
import type { EdgeIdentity } from '@beats-gate/protocol';

export interface StampIdentity {
  subject: string;
  tunnel_id: string;
  claims?: Record<string, unknown>;
  /** Fields of this event that disagree with a claim (claims policy 'tag'). */
  mismatch?: string[];
}

export function identityOf(
  identity: Pick<EdgeIdentity, 'subject' | 'claims'>,
  tunnelId: string,
  claimNames: readonly string[],
): StampIdentity {
  const claims: Record<string, unknown> = {};
  for (const name of claimNames) {
    if (Object.hasOwn(identity.claims, name)) claims[name] = identity.claims[name];
  }
  return {
    subject: identity.subject,
    tunnel_id: tunnelId,
    ...(claimNames.length > 0 ? { claims } : {}),
  };
}

/** `prefix.subject`, `prefix.tunnel_id`, `prefix.claims.<name>`, `prefix.mismatch`. */
export function flattenIdentity(prefix: string, stamp: StampIdentity): Record<string, string> {
  const flat: Record<string, string> = {
    [`${prefix}.subject`]: stamp.subject,
    [`${prefix}.tunnel_id`]: stamp.tunnel_id,
  };
  for (const [name, value] of Object.entries(stamp.claims ?? {})) {
    flat[`${prefix}.claims.${name}`] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  if (stamp.mismatch) flat[`${prefix}.mismatch`] = stamp.mismatch.join(',');
  return flat;
}

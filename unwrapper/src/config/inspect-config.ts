/**
 * The Lumberjack-aware options, resolved into what a tunnel uses. Checked once when the unwrapper
 * is built (and by loadConfig, which reports the problems with every other one), so a bad field
 * path or an impossible combination fails at startup, never on the first connection.
 */
import type { ClaimCheck } from '../inspect/claims-policy.ts';
import { FieldPathError, parseFieldPath } from '../inspect/field-path.ts';
import type { GateSettings } from '../inspect/lumberjack-gate.ts';
import type { UnwrapperConfig } from './types.ts';

type InspectConfig = Pick<
  UnwrapperConfig,
  | 'inspect'
  | 'inspectField'
  | 'inspectClaims'
  | 'inspectCompressionLevel'
  | 'inspectMaxFrameBytes'
  | 'inspectMaxInflatedBytes'
  | 'inspectMaxWindowSize'
  | 'inspectClaimPolicy'
  | 'inspectHostNameClaim'
  | 'inspectAgentIdClaim'
  | 'drainAtWindowBoundary'
  | 'drainOnTokenExpiry'
  | 'shutdownGraceMs'
>;

export class InspectConfigError extends Error {
  override name = 'InspectConfigError';
  readonly code = 'ERR_CONFIG_INVALID';
  /** The option each problem is about, for loadConfig to name its flag or variable. */
  readonly problems: readonly { key: string; problem: string }[];
  constructor(problems: readonly { key: string; problem: string }[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.key}: ${p.problem}`).join('; ')}`);
    this.problems = problems;
  }
}

/** undefined when nothing needs the stream decoded: the byte tunnel, unchanged. */
export function resolveInspect(config: InspectConfig): GateSettings | undefined {
  const problems: { key: string; problem: string }[] = [];
  const checks: ClaimCheck[] = [];
  if (config.inspectHostNameClaim) {
    checks.push({ field: 'host.name', claim: config.inspectHostNameClaim });
  }
  if (config.inspectAgentIdClaim) {
    checks.push({ field: 'agent.id', claim: config.inspectAgentIdClaim });
  }
  const policyMode = config.inspectClaimPolicy;
  if (policyMode !== 'off' && checks.length === 0) {
    problems.push({
      key: 'inspectClaimPolicy',
      problem: 'needs inspectHostNameClaim or inspectAgentIdClaim (the claims to compare with)',
    });
  }
  if (policyMode === 'tag' && config.inspect !== 'stamp') {
    problems.push({
      key: 'inspectClaimPolicy',
      problem: 'tag writes into the stamped field, so it needs inspect=stamp (or use reject)',
    });
  }
  let field: string[] = [];
  try {
    field = parseFieldPath(config.inspectField);
  } catch (error) {
    if (!(error instanceof FieldPathError)) throw error;
    problems.push({ key: 'inspectField', problem: error.message });
  }
  if (problems.length > 0) throw new InspectConfigError(problems);

  const decodes =
    config.inspect !== 'off' ||
    policyMode !== 'off' ||
    config.drainAtWindowBoundary ||
    config.drainOnTokenExpiry;
  if (!decodes) return undefined;
  return {
    mode: config.inspect === 'stamp' ? 'stamp' : 'validate',
    field,
    claims: config.inspectClaims,
    ...(config.inspectCompressionLevel !== undefined
      ? { compressionLevel: config.inspectCompressionLevel }
      : {}),
    limits: {
      maxFrameBytes: config.inspectMaxFrameBytes,
      maxWindowSize: config.inspectMaxWindowSize,
      maxInflatedBytes: config.inspectMaxInflatedBytes,
    },
    policyMode,
    checks,
    drainOnTokenExpiry: config.drainOnTokenExpiry,
    drainTimeoutMs: Math.max(config.shutdownGraceMs, 1000),
  };
}

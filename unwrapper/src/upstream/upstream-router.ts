/**
 * Upstream groups: one pool per group named in `upstreamGroups`, picked by a claim of the
 * device's token (`upstreamGroupClaim`, default `tenant`); the default pool (`upstreams`) serves
 * tokens without the claim or with a value no group has. Same interface as a single pool, so the
 * rest of the unwrapper does not care whether groups are configured.
 */
import type { EdgeIdentity } from '@beats-gate/protocol';
import type { Logger } from 'pino';
import type { Metrics } from '../admin/metrics.ts';
import type { UnwrapperConfig } from '../config/types.ts';
import { createUpstreamPool, type UpstreamLease, type UpstreamPool } from './upstream-pool.ts';

type RouterConfig = Parameters<typeof createUpstreamPool>[0] &
  Pick<UnwrapperConfig, 'upstreamGroups' | 'upstreamGroupClaim'>;

/** The label of the default list (`upstreams`); group names cannot contain parentheses. */
export const DEFAULT_GROUP = '(default)';

export function createUpstreamRouter(
  config: RouterConfig,
  deps: { metrics: Metrics; logger: Logger; now?: () => number },
) {
  const fallback = createUpstreamPool(config, deps);
  const groups = new Map<string, UpstreamPool>();
  for (const [name, upstreams] of Object.entries(config.upstreamGroups ?? {})) {
    groups.set(name, createUpstreamPool({ ...config, upstreams }, deps));
  }
  const all = [fallback, ...groups.values()];

  function poolFor(identity?: Pick<EdgeIdentity, 'claims'>): UpstreamPool {
    const value = identity?.claims[config.upstreamGroupClaim];
    return (typeof value === 'string' && groups.get(value)) || fallback;
  }

  return {
    poolFor,
    /**
     * The group serving a token, as a metric label: a configured group's name, or DEFAULT_GROUP.
     * Bounded by the configuration whatever the tokens claim.
     */
    groupOf(identity?: Pick<EdgeIdentity, 'claims'>): string {
      const value = identity?.claims[config.upstreamGroupClaim];
      return typeof value === 'string' && groups.has(value) ? value : DEFAULT_GROUP;
    },
    connect(signal?: AbortSignal, identity?: Pick<EdgeIdentity, 'claims'>): Promise<UpstreamLease> {
      return poolFor(identity).connect(signal);
    },
    probe: () => Promise.all(all.map((pool) => pool.probe())).then(() => undefined),
    startProbing: () => all.forEach((pool) => pool.startProbing()),
    stopProbing: () => all.forEach((pool) => pool.stopProbing()),
    /** Ready when the default group can be reached (groups are reported, not required). */
    get reachable(): boolean {
      return fallback.reachable;
    },
    snapshot() {
      return [
        ...fallback.snapshot(),
        ...[...groups].flatMap(([group, pool]) =>
          pool.snapshot().map((state) => ({ ...state, group })),
        ),
      ];
    },
  };
}

export type UpstreamRouter = ReturnType<typeof createUpstreamRouter>;

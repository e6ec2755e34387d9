/**
 * One Workers Analytics Engine data point per upgrade, when the OUTCOMES binding is present: the
 * numbers an operator graphs and alerts on (outcomes by code, per location, per device) without
 * parsing logs. The layout below is the contract the SQL in docs/edge-worker.md relies on; a test
 * holds the docs to it. Writes are fire-and-forget (the runtime sends them after the response),
 * and a failing write never changes an answer.
 */
import type { AnalyticsDataset } from './bindings.ts';
import type { DecisionRecord } from './log.ts';

/** Column names in order: `blob1` is `outcome`, `double1` is `status`, `index1` is the index. */
export const OUTCOME_COLUMNS = {
  blobs: ['outcome', 'code', 'by', 'subject', 'colo'],
  doubles: ['status', 'latencyMs'],
  // Analytics Engine samples each index value on its own, so a rare code keeps its count even
  // when allowed upgrades are sampled down.
  indexes: ['codeOrOutcome'],
} as const;

export interface Outcome {
  readonly result: DecisionRecord['result'];
  readonly by: 'edge' | 'origin';
  readonly status: number;
  readonly latencyMs: number;
  readonly code?: string;
  readonly subject?: string;
  /** Cloudflare location (`request.cf.colo`); absent locally. */
  readonly colo?: string;
}

/** ExecutionContext.waitUntil, where the runtime provides one. */
export type KeepAlive = (pending: Promise<unknown>) => void;

/**
 * Writes the data point. The real binding returns nothing and sends the point by itself; a
 * binding that returns a promise (a service standing in for the dataset, as in the local tests)
 * is kept alive with `keepAlive`, or the runtime would cancel it with the request.
 */
export function recordOutcome(
  dataset: AnalyticsDataset | undefined,
  outcome: Outcome,
  keepAlive: KeepAlive,
): void {
  if (!dataset) return;
  try {
    const pending: unknown = dataset.writeDataPoint({
      blobs: [
        outcome.result,
        outcome.code ?? '',
        outcome.by,
        outcome.subject ?? '',
        outcome.colo ?? '',
      ],
      doubles: [outcome.status, outcome.latencyMs],
      indexes: [outcome.code ?? outcome.result],
    });
    // An RPC result is a thenable, not a Promise.
    if (typeof (pending as PromiseLike<unknown> | undefined)?.then === 'function') {
      keepAlive(Promise.resolve(pending).catch(() => undefined));
    }
  } catch {
    // Counting is best effort: the decision is already logged, and the device gets its answer.
  }
}

/** The Cloudflare location that handled the request, when the runtime says. */
export function coloOf(request: Request): string | undefined {
  const colo = (request as { cf?: { colo?: unknown } }).cf?.colo;
  return typeof colo === 'string' ? colo : undefined;
}

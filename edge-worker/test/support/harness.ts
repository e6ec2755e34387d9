/**
 * Shared set-up: an echo origin, test keys, and an edge in workerd configured against them, with
 * the worker's log lines captured for assertions.
 */
import { generateAssertionKey, parseAssertionKeys, type AssertionKey } from '@beats-gate/protocol';
import {
  startEdge,
  type OutcomePoint,
  type RunningEdge,
  type StartEdgeOptions,
} from '../../local.ts';
import { startEchoOrigin, type EchoOrigin } from './echo-origin.ts';
import { AUDIENCE, ISSUER, type TestKey } from './tokens.ts';

export interface Harness {
  readonly edge: RunningEdge;
  readonly origin: EchoOrigin;
  readonly assertionKeys: AssertionKey[];
  /** Parsed JSON log lines of the worker, oldest first. */
  readonly logs: Record<string, unknown>[];
  /** Raw log lines, to check that no secret was ever printed. */
  readonly rawLogs: string[];
  /** Analytics Engine data points written to OUTCOMES (bound only with `recordOutcomes`). */
  readonly outcomes: OutcomePoint[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Keys published inline through the JWKS variable (ignored when vars set JWKS_URL). */
  readonly keys?: readonly TestKey[];
  readonly vars?: Record<string, string>;
  readonly kv?: StartEdgeOptions['kv'];
  readonly rateLimits?: StartEdgeOptions['rateLimits'];
  readonly recordOutcomes?: boolean;
}

export function baseVars(
  origin: EchoOrigin,
  keys: readonly TestKey[] = [],
): Record<string, string> {
  return {
    ORIGIN_URL: origin.url,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWKS: JSON.stringify({ keys: keys.map((key) => key.publicJwk) }),
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const origin = await startEchoOrigin();
  const assertionKeyText = `${generateAssertionKey('edge-1')},${generateAssertionKey('edge-0')}`;
  const logs: Record<string, unknown>[] = [];
  const rawLogs: string[] = [];
  const outcomes: OutcomePoint[] = [];
  const vars = { ...baseVars(origin, options.keys), ...options.vars };
  if (vars.JWKS_URL) delete vars.JWKS;
  const edge = await startEdge({
    vars,
    secrets: { ASSERTION_KEYS: assertionKeyText },
    ...(options.kv ? { kv: options.kv } : {}),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    ...(options.recordOutcomes ? { onOutcome: (point) => outcomes.push(point) } : {}),
    onLog(line) {
      rawLogs.push(line);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ text: line });
      }
    },
  });
  return {
    edge,
    origin,
    assertionKeys: parseAssertionKeys(assertionKeyText),
    logs,
    rawLogs,
    outcomes,
    async close() {
      await edge.dispose();
      await origin.close();
    },
  };
}

/** Waits (bounded) for a decision log line matching `match`: workerd delivers logs asynchronously. */
export function waitForLog(
  harness: Harness,
  match: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  return waitFor(harness.logs, match, 'expected log line did not arrive');
}

/** Waits (bounded) for a data point matching `match`: they are sent after the response. */
export function waitForOutcome(
  harness: Harness,
  match: (point: OutcomePoint) => boolean,
): Promise<OutcomePoint> {
  return waitFor(harness.outcomes, match, 'expected data point did not arrive');
}

async function waitFor<T>(list: T[], match: (item: T) => boolean, failure: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const found = list.find(match);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(failure);
}

/**
 * One JSON line per decision, which Workers Logs (observability) indexes field by field. The lines
 * have the shape of the Node services' (pino set up by the kit): `level` as a label, `time` in
 * ISO 8601, `service`, `event`, and the same field names for the same things (`subject`,
 * `clientAddress`, `code`, `status`). Web APIs only: this runs in the Worker.
 * Callers pass only identifiers and codes: never tokens, assertions or header values.
 */

export type LogLevel = 'info' | 'warn' | 'error';

export interface DecisionRecord {
  readonly event: string;
  readonly result: 'allowed' | 'refused' | 'error' | 'ok';
  readonly code?: string;
  readonly status?: number;
  readonly subject?: string;
  readonly tokenId?: string;
  readonly latencyMs?: number;
  readonly ray?: string;
  readonly clientAddress?: string;
  readonly cause?: string;
  readonly [extra: string]: unknown;
}

/** A decision's level follows from its result, here and nowhere else. */
export const LEVEL_OF_RESULT = {
  allowed: 'info',
  ok: 'info',
  refused: 'warn',
  error: 'error',
} as const satisfies Record<DecisionRecord['result'], LogLevel>;

export const SERVICE = 'beats-gate-edge';

export function logDecision(record: DecisionRecord): void {
  const level = LEVEL_OF_RESULT[record.result];
  const line = JSON.stringify({
    level,
    time: new Date().toISOString(),
    service: SERVICE,
    ...record,
  });
  // console.info/warn/error, so that Workers Logs files the line under the same level.
  console[level](line);
}

/** A short, secret-free description of an error's cause chain for the log line. */
export function describeCause(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause === undefined) return undefined;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${cause.name}${typeof code === 'string' ? ` ${code}` : ''}: ${cause.message.slice(0, 200)}`;
  }
  return typeof cause === 'string' ? cause.slice(0, 200) : typeof cause;
}

/**
 * One JSON line per decision on stdout, which Workers Logs (observability) indexes field by field.
 * Callers pass only identifiers and codes: never tokens, assertions or header values.
 */

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

export function logDecision(record: DecisionRecord): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...record }));
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

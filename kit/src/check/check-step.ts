/**
 * One step of a service's `test` command (`beats-gate-client test`, like `filebeat test output`):
 * a name the operator reads, and a check that either passes with what it found or fails with the
 * problem and the fix. Steps run in order and the first failure ends the run, so a step may rely
 * on everything before it having passed.
 */

export type CheckOutcome =
  | { readonly ok: true; readonly detail: string }
  | { readonly ok: false; readonly problem: string; readonly fix: string };

export interface CheckStep {
  /** What is checked: `token`, `edge tls`, `upstream 10.0.0.1:5044`. */
  readonly name: string;
  /**
   * Steps of one group are independent of each other (every upstream of a service): all of them
   * run even when one fails, so each gets its line, and the run stops after the group.
   */
  readonly group?: string;
  /** Its own deadline, when what it waits for may take longer than the runner's default. */
  readonly limitMs?: number;
  /**
   * `signal` aborts when the step's deadline passes: hand it to whatever dials or spawns, so no
   * socket or child outlives the report.
   */
  run(signal: AbortSignal): CheckOutcome | Promise<CheckOutcome>;
}

export function passed(detail: string): CheckOutcome {
  return { ok: true, detail };
}

export function failed(problem: string, fix: string): CheckOutcome {
  return { ok: false, problem, fix };
}

export function checkStep(name: string, run: CheckStep['run'], group?: string): CheckStep {
  return group === undefined ? { name, run } : { name, run, group };
}

/**
 * Thrown from deep inside a step (a helper that found the failure) instead of returning
 * `failed(...)` through every caller; the runner reports it as the step's failure.
 */
export class CheckFailure extends Error {
  override name = 'CheckFailure';
  readonly code = 'ERR_CHECK_FAILED';
  readonly fix: string;
  constructor(problem: string, fix: string, options?: ErrorOptions) {
    super(problem, options);
    this.fix = fix;
  }
}

/**
 * Runs the steps of a `test` command in order and prints one line per step, `OK` with what it
 * found or `FAIL` with the problem and the fix, stopping at the first failure (or, when the step
 * that failed belongs to a group of independent steps, after the rest of its group). Steps come
 * from an iterable, usually a generator, which is only resumed once the step before has passed:
 * later steps may be built from what earlier ones found (the upstreams of the configuration just
 * loaded) and are never built after a failure outside a group.
 */
import { ConfigError } from '../config/config-error.ts';
import type { Loaded } from '../config/options.ts';
import { EXIT_FAILED, EXIT_USAGE } from '../config/run-command.ts';
import { CheckFailure, type CheckOutcome, type CheckStep } from './check-step.ts';

/**
 * What dials gets its own deadline first; this one only ends a stuck step. A step that may wait
 * longer (a handshake limit of two minutes) says so with its `limitMs`.
 */
export const STEP_LIMIT_MS = 30_000;

/** Names are padded with dots to this column, so the verdicts line up. */
const NAME_COLUMN = 34;

export interface CheckReport {
  /** Names of the steps that passed, in order. */
  readonly passed: readonly string[];
  /** The step that failed, if any; no step runs after it. */
  readonly failed?: { readonly name: string; readonly problem: string; readonly fix: string };
}

export interface RunChecksOptions {
  /** Receives each line, newline included; default stdout. */
  readonly write?: (line: string) => void;
  readonly stepLimitMs?: number;
}

/** One line whatever the text holds: a ConfigError lists its problems on several. */
function oneLine(text: string): string {
  return text
    .split('\n')
    .map((part) => part.trim().replace(/^- /, ''))
    .filter((part) => part.length > 0)
    .join('; ');
}

export function formatCheckLine(name: string, outcome: CheckOutcome): string {
  // A longer name still gets two dots, so the verdict never touches it.
  const label = `${name} ..`.padEnd(NAME_COLUMN, '.');
  return outcome.ok
    ? `${label} OK   ${oneLine(outcome.detail)}\n`
    : `${label} FAIL ${oneLine(outcome.problem)}. Fix: ${oneLine(outcome.fix)}\n`;
}

function outcomeOf(error: unknown): CheckOutcome {
  if (error instanceof CheckFailure) return { ok: false, problem: error.message, fix: error.fix };
  const message = error instanceof Error ? error.message : String(error);
  return {
    ok: false,
    problem: `unexpected error: ${message}`,
    fix: 'no known fix for this one: report it with this line',
  };
}

async function runStep(step: CheckStep, limitMs: number): Promise<CheckOutcome> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({
        ok: false,
        problem: `no result within ${limitMs} ms`,
        fix: 'something along the way holds the connection without answering: check it directly',
      });
    }, limitMs);
  });
  try {
    return await Promise.race([
      Promise.resolve().then(() => step.run(controller.signal)),
      deadline,
    ]);
  } catch (error) {
    return outcomeOf(error);
  } finally {
    clearTimeout(timer);
  }
}

export async function runChecks(
  steps: Iterable<CheckStep>,
  options: RunChecksOptions = {},
): Promise<CheckReport> {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const limitMs = options.stepLimitMs ?? STEP_LIMIT_MS;
  const passedSteps: string[] = [];
  let failure: CheckReport['failed'];
  let failedGroup: string | undefined;
  for (const step of steps) {
    if (failure && (failedGroup === undefined || step.group !== failedGroup)) break;
    const outcome = await runStep(step, step.limitMs ?? limitMs);
    write(formatCheckLine(step.name, outcome));
    if (outcome.ok) {
      passedSteps.push(step.name);
    } else if (!failure) {
      failure = { name: step.name, problem: outcome.problem, fix: outcome.fix };
      failedGroup = step.group;
      if (failedGroup === undefined) break;
    }
  }
  return failure ? { passed: passedSteps, failed: failure } : { passed: passedSteps };
}

export interface CheckCommandOptions<C> extends RunChecksOptions {
  /** The executable's name, before the configuration's problems on stderr. */
  readonly name: string;
  /** Receives the configuration's problems, as the service writes them; default stderr. */
  readonly writeError?: (text: string) => void;
  /** The service's own loader, so the test reads exactly what the service would. */
  readonly load: () => Loaded<C> | Promise<Loaded<C>>;
  /** The `config` line's detail: what was loaded, never a secret. */
  readonly describe: (config: C) => string;
  /** The steps after `config`. */
  readonly steps: (config: C) => Iterable<CheckStep>;
}

/**
 * A service's `test` subcommand: `config` first (the service's loader, same flags, variables and
 * file), then its steps. Returns the exit code: 0 when every step passed, 2 when the
 * configuration is invalid (as the service itself exits, with the same problems on stderr), 1 when
 * another step failed. --help, --version and --print-config print as they do for the service.
 */
export async function runCheckCommand<C>(options: CheckCommandOptions<C>): Promise<number> {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const writeError = options.writeError ?? ((text: string) => process.stderr.write(text));
  let loaded: Loaded<C>;
  try {
    loaded = await options.load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // stderr gets the list exactly as the service prints it, for whoever reads that stream.
    writeError(`${options.name}: ${error.message}\n`);
    const problem = error.problems.join('; ');
    write(
      formatCheckLine('config', {
        ok: false,
        problem,
        fix: 'correct each option named (see --help)',
      }),
    );
    return EXIT_USAGE;
  }
  if (loaded.kind === 'print') {
    write(loaded.text);
    return 0;
  }
  const { config } = loaded;
  function* all(): Generator<CheckStep> {
    yield { name: 'config', run: () => ({ ok: true, detail: options.describe(config) }) };
    yield* options.steps(config);
  }
  const report = await runChecks(all(), { ...options, write });
  return report.failed ? EXIT_FAILED : 0;
}

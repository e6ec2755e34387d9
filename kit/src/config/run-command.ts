/**
 * The start of every bin: load the configuration, then either print (help, version, the loaded
 * configuration) and exit 0, or report every problem on stderr and exit 2, or run. A run that
 * throws is reported by its message alone and exits 1; services that log their own failures
 * (listen errors, drains) catch them inside `run`.
 */
import { ConfigError } from './config-error.ts';
import type { Loaded } from './options.ts';

export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export async function runCommand<C>(
  name: string,
  load: () => Loaded<C> | Promise<Loaded<C>>,
  run: (config: C) => unknown,
): Promise<void> {
  let loaded: Loaded<C>;
  try {
    loaded = await load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  if (loaded.kind === 'print') {
    process.stdout.write(loaded.text);
    return;
  }
  try {
    await run(loaded.config);
  } catch (error) {
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    // Whatever the run left open (a half-started listener, a file) must not keep a failed
    // command alive.
    process.exit(EXIT_FAILED);
  }
}

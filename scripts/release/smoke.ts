/**
 * The smoke test every built artifact gets: `--version` prints the package's version and
 * `--help` names the command, both exiting 0, run away from the repository so nothing can come
 * from its node_modules.
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';

/**
 * `command` runs the artifact: `[node, bundle]` for a bundle, `[executable]` for a single
 * executable or an installed bin. Throws with what the command printed when an answer is wrong.
 */
export function smokeTest(command: readonly string[], name: string, version: string): void {
  const [program, ...args] = command;
  if (program === undefined) throw new Error('smokeTest: empty command');
  for (const flag of ['--version', '--help']) {
    const run = spawnSync(program, [...args, flag], {
      cwd: tmpdir(),
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    const what = `${command.join(' ')} ${flag}`;
    if (run.error) throw new Error(`${what}: ${run.error.message}`);
    if (run.status !== 0) {
      throw new Error(`${what} exited ${run.status ?? run.signal}:\n${run.stderr}${run.stdout}`);
    }
    const expected = flag === '--version' ? version : name;
    const ok = flag === '--version' ? run.stdout.trim() === version : run.stdout.includes(name);
    if (!ok) throw new Error(`${what} printed no "${expected}":\n${run.stdout}`);
  }
}

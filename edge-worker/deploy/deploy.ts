/**
 * `npm run deploy:edge -- --env <name> [wrangler deploy options]`: the deploy guard (guard.ts),
 * then `wrangler deploy` with the same arguments in edge-worker/. Refused deploys exit 2 and never
 * start wrangler; otherwise the exit code is wrangler's. `--dry-run` goes through to wrangler, so a
 * guarded build can be checked offline.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkDeploy, readWranglerConfig } from './guard.ts';

const packageDir = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
// Only the options the guard needs; everything else is wrangler's and goes through untouched.
const { values } = parseArgs({
  args,
  options: {
    env: { type: 'string', short: 'e' },
    config: { type: 'string', short: 'c' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: false,
});
if (values.help) {
  process.stdout.write(
    [
      'Usage: npm run deploy:edge -- --env <name> [wrangler deploy options]',
      '',
      'Checks environment <name> of edge-worker/wrangler.jsonc (placeholders, vars not repeated',
      'from the top level, values the worker would refuse, bindings, route), then runs wrangler',
      'deploy with the same options in edge-worker/. Refused: exit 2, nothing deployed.',
      '',
      '  -e, --env <name>     the environment to deploy (required)',
      '  -c, --config <file>  another wrangler config, relative to edge-worker/',
      '  --dry-run --outdir <dir>  check and bundle offline, deploy nothing',
      '',
      "wrangler's own options: npm run edge -- deploy --help",
      '',
    ].join('\n'),
  );
  process.exit(0);
}
const configPath = resolve(
  packageDir,
  typeof values.config === 'string' ? values.config : 'wrangler.jsonc',
);
const envName = typeof values.env === 'string' ? values.env : undefined;

let problems: readonly string[];
try {
  ({ problems } = checkDeploy(readWranglerConfig(configPath), envName));
} catch (error) {
  problems = [`${configPath} could not be read: ${(error as Error).message}`];
}
if (problems.length > 0) {
  process.stderr.write(
    `deploy:edge: not deploying${envName ? ` env "${envName}"` : ''} (${configPath}):\n` +
      problems.map((problem) => `  - ${problem}\n`).join(''),
  );
  process.exit(2);
}
process.stderr.write(
  `deploy:edge: env "${envName}" of ${configPath} passed the guard; the ASSERTION_KEYS secret lives on Cloudflare and is not checked here (docs/edge-worker.md)\n`,
);

const wrangler = resolve(packageDir, '..', 'node_modules', '.bin', 'wrangler');
const child = spawn(wrangler, ['deploy', ...args], { cwd: packageDir, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => child.kill(signal));
}
child.once('error', (error) => {
  process.stderr.write(`deploy:edge: could not start wrangler: ${error.message}\n`);
  process.exit(1);
});
child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

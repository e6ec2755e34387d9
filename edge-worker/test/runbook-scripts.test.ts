// The runbooks' wrangler commands run from the repository root as npm scripts. Every script the
// docs name exists, and each reaches the right wrangler command in edge-worker/: offline, through
// `--help` (which subcommand) and an unknown `--env` (wrangler reads edge-worker/wrangler.jsonc
// and stops, listing its environments, before any account or network is needed).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { runOffline } from './support/run.ts';

const repoDir = resolve(import.meta.dirname, '..', '..');
const RUNBOOKS = ['edge-worker.md', 'key-rotation.md', 'operator-guide.md', 'troubleshooting.md'];
const docs = RUNBOOKS.map((name) => readFileSync(resolve(repoDir, 'docs', name), 'utf8'));
const scripts = (
  JSON.parse(readFileSync(resolve(repoDir, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

const documented = new Set(
  docs.flatMap((text) => [...text.matchAll(/npm run (edge[\w:-]*)/g)].map((m) => m[1]!)),
);
const edgeScripts = Object.keys(scripts).filter((name) => /^edge(:|$)/.test(name));

/** Positionals a script's wrangler command requires, so that it gets as far as reading config. */
const PROBE_ARGS: Record<string, string[]> = {
  edge: ['deployments', 'list'],
  'edge:secret': ['ASSERTION_KEYS'],
  'edge:revoke': ['sub:probe', 'probe'],
  'edge:unrevoke': ['sub:probe'],
};

function npmRun(script: string, args: readonly string[]) {
  return runOffline('npm', ['run', '--silent', script, '--', ...args], repoDir);
}

describe('runbook scripts', () => {
  it('the runbooks name only scripts that exist, every edge script is documented, no npx wrangler', () => {
    assert.ok(documented.size >= 6, [...documented].join(', '));
    for (const name of documented) assert.ok(scripts[name], `docs name npm run ${name}`);
    for (const name of edgeScripts) assert.ok(documented.has(name), `${name} is not documented`);
    RUNBOOKS.forEach((name, i) => {
      assert.ok(!/npx wrangler/.test(docs[i]!), `${name} still runs npx wrangler`);
    });
  });

  for (const name of edgeScripts) {
    it(`npm run ${name} reaches wrangler in edge-worker/`, async () => {
      assert.match(scripts[name]!, /^wrangler --cwd=edge-worker(?: |$)/);
      // The subcommand: the lower-case words after `wrangler`, up to the first option or value.
      const subcommand: string[] = [];
      for (const word of scripts[name]!.split(/\s+/).slice(2)) {
        if (!/^[a-z]+$/.test(word)) break;
        subcommand.push(word);
      }
      const help = await npmRun(name, ['--help']);
      assert.equal(help.code, 0, help.output);
      assert.ok(
        help.output.includes(['wrangler', ...subcommand].join(' ')),
        `no usage of wrangler ${subcommand.join(' ')}:\n${help.output}`,
      );
      const probe = await npmRun(name, [...(PROBE_ARGS[name] ?? []), '--env', 'no-such-env']);
      assert.notEqual(probe.code, 0, probe.output);
      assert.ok(
        probe.output.includes('No environment found in configuration with name "no-such-env"') &&
          probe.output.includes('["dev","staging","production"]'),
        `wrangler did not read edge-worker/wrangler.jsonc:\n${probe.output}`,
      );
    });
  }
});

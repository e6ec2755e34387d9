/**
 * Every shell command the docs give either runs here, offline, or is named below with the reason
 * it cannot. Commands of ours run with their documented arguments plus `--print-config` (kit
 * commands: flags, variables and values are checked, nothing starts) or `--help` (programs that
 * parse with node:util, which refuses unknown flags); npm scripts must exist and resolve to such
 * a program; key-generation lines run and their keys must load. A command nobody has a rule for
 * fails the test, so a new docs command is a decision, not an accident.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { docCommands, type DocCommand } from './support/doc-commands.ts';
import { repoPath } from './infra/infra-files.ts';

const run = promisify(execFile);
const root = repoPath('.');

const PAGES = [
  'README.md',
  'lumberjack/README.md',
  ...readdirSync(repoPath('docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** Programs of other systems: what they need that a test machine has not. */
const NOT_RUN: Record<string, string> = {
  docker: 'needs a container engine and a registry',
  kubectl: 'needs a Kubernetes cluster',
  curl: 'talks to a deployed service',
  nft: 'changes the firewall as root',
  systemctl: 'changes the host as root',
  journalctl: 'reads the host journal',
  tar: 'unpacks a release (issue 16 tests packaging)',
  install: 'installs files as root',
  cp: 'installs files as root',
  mkdir: 'installs files as root',
  cd: 'changes directory on a device',
  wc: 'reads what npm start wrote (tests/npm-start.test.ts)',
  printf: 'feeds a secret to the next command',
  for: 'a loop over cluster pods',
  done: 'a loop over cluster pods',
  wrangler: 'talks to Cloudflare',
  grep: 'filters the output of the command before it',
  apt: 'installs the .deb as root (tests/release-*.test.ts check the package itself)',
  sha256sum: 'checks downloaded release files against the SHA256SUMS npm run release writes',
  sudoedit: 'edits a host file as root',
  chmod: 'prepares a downloaded executable on a device',
  mv: 'installs a downloaded executable as root',
  xattr: 'macOS only',
  codesign: 'macOS only',
};

/** npm scripts that a test or CI runs already, or that start something long-running. */
const RUN_ELSEWHERE: Record<string, string> = {
  install: 'CI installs the tree',
  ci: 'CI installs the tree',
  lint: '.ci/run runs it',
  typecheck: '.ci/run runs it',
  test: '.ci/run runs it',
  build: '.ci/run builds the Worker',
  start: 'tests/npm-start.test.ts runs it',
  dev: 'wrangler dev serves until stopped; the workerd tests run the same Worker',
};

/** Our command-line programs by name, for `npx <bin>` and bare `<bin>`. */
const BINS: Record<string, string> = {
  'beats-gate-client': 'client/bin/beats-gate-client.ts',
  'beats-gate-unwrapper': 'unwrapper/bin/beats-gate-unwrapper.ts',
  'beats-gate-receiver': 'lumberjack/bin/beats-gate-receiver.ts',
  'beats-gate-send': 'lumberjack/bin/beats-gate-send.ts',
};

/** A repository path a command names (a file to build from, a manifest to apply). */
const REPO_PATH =
  /^(?:\.\/)?((?:infra|docs|edge-worker|client|unwrapper|lumberjack|bench|dev|scripts)\/[\w./-]*)/;

type Plan =
  | { kind: 'program'; file: string; args: string[]; env: Record<string, string> }
  | { kind: 'key'; assignment: string }
  | { kind: 'openssl'; args: string[] }
  | { kind: 'skip'; reason: string };

function packageScripts(workspace: string | undefined): Record<string, string> {
  const file = repoPath(workspace ? `${workspace}/package.json` : 'package.json');
  return (
    (JSON.parse(readFileSync(file, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {}
  );
}

/** `npm …` → the program its script runs, or why it is not run here. */
function planNpm(words: readonly string[], env: Record<string, string>, where: string): Plan {
  let rest = words.slice(1);
  const dashDash = rest.indexOf('--');
  const extra = dashDash >= 0 ? rest.slice(dashDash + 1) : [];
  if (dashDash >= 0) rest = rest.slice(0, dashDash);
  let workspace: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '-w') workspace = rest[++i];
    else if (!rest[i]!.startsWith('-')) positional.push(rest[i]!);
  }
  const [verb, named] = positional;
  const script = verb === 'run' || verb === 'run-script' ? named : verb;
  assert.ok(script, `${where}: npm without a script`);
  if (script === 'install' && positional.some((word) => word.endsWith('.tgz'))) {
    return { kind: 'skip', reason: 'installs a release tarball (tests/release-*.test.ts do)' };
  }
  if (script === 'install' || script === 'ci')
    return { kind: 'skip', reason: RUN_ELSEWHERE[script]! };
  const scripts = packageScripts(workspace);
  const body = scripts[script];
  assert.ok(body, `${where}: no script "${script}" in ${workspace ?? 'the root'} package.json`);
  if (RUN_ELSEWHERE[script]) return { kind: 'skip', reason: RUN_ELSEWHERE[script] };
  const inner = body.split(/\s+/);
  if (inner[0] === 'npm') return planNpm([...inner, ...extra], env, `${where} (${script})`);
  if (inner[0] === 'node') {
    const file = join(workspace ?? '.', inner[1]!);
    return { kind: 'program', file, args: [...inner.slice(2), ...extra], env };
  }
  if (inner[0] === 'wrangler') return { kind: 'skip', reason: NOT_RUN.wrangler! };
  assert.fail(`${where}: npm script "${script}" runs "${body}": add a rule for it`);
}

function plan(command: DocCommand, env: Record<string, string>): Plan {
  let words = [...command.words];
  const own: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_]+=/.test(words[0]!)) {
    const [name, ...value] = words.shift()!.split('=');
    own[name!] = value.join('=');
  }
  if (words.length === 0) {
    // A lone assignment: a key being generated, or a placeholder for the reader to fill in.
    if (command.text.includes('openssl rand')) return { kind: 'key', assignment: command.text };
    return { kind: 'skip', reason: 'a placeholder the reader fills in' };
  }
  while (['do', 'then', 'else', 'sudo'].includes(words[0]!)) words = words.slice(1);
  if (words.length === 0) return { kind: 'skip', reason: 'shell syntax' };
  if (words[0] === 'npx') words = words.slice(1);
  const program = words[0]!;
  const merged = { ...env, ...own };
  if (program === 'npm') return planNpm(words, merged, command.where);
  // Certificate recipes (docs/elastic-agent.md) run as written, in a directory of their own.
  if (program === 'openssl') return { kind: 'openssl', args: words.slice(1) };
  if (BINS[program])
    return { kind: 'program', file: BINS[program], args: words.slice(1), env: merged };
  if ((program === 'node' || program.endsWith('/node')) && words[1] === '--test') {
    const files = words.filter((word) => word.endsWith('.test.ts'));
    for (const file of files) assert.ok(existsSync(repoPath(file)), `${command.where}: ${file}`);
    return { kind: 'skip', reason: 'test files the suite runs' };
  }
  if (program === 'node' || program.endsWith('/node')) {
    const file = words[1]!.replace(/^\/opt\/beats-gate\//, '');
    return { kind: 'program', file, args: words.slice(2), env: merged };
  }
  const reason = NOT_RUN[program];
  assert.ok(reason, `${command.where}: no rule for "${program}" in tests/docs-commands.test.ts`);
  for (const word of words) {
    const path = REPO_PATH.exec(word)?.[1];
    if (path) assert.ok(existsSync(repoPath(path)), `${command.where}: ${path} does not exist`);
  }
  return { kind: 'skip', reason };
}

/** Runs a program of ours the way the docs do, with a flag that checks without starting. */
async function checkProgram(
  where: string,
  file: string,
  args: string[],
  env: Record<string, string>,
) {
  assert.ok(existsSync(repoPath(file)), `${where}: ${file} does not exist`);
  const source = readFileSync(repoPath(file), 'utf8');
  const isKitCommand = /@beats-gate\/kit'/.test(source);
  const probe = args.includes('--help') ? [] : [isKitCommand ? '--print-config' : '--help'];
  const argv = [file, ...args, ...probe];
  try {
    await run(process.execPath, argv, {
      cwd: root,
      env: { ...process.env, ...env },
      timeout: 30_000,
    });
  } catch (error) {
    const { code, stderr } = error as { code?: number; stderr?: string };
    // A kit command refuses files the reader has and this machine has not (certificates,
    // secrets); every other problem (an unknown flag, a bad value) is a docs error.
    const problems = (stderr ?? '').split('\n').filter((line) => line.startsWith('  - '));
    const onlyMissingFiles =
      code === 2 && problems.length > 0 && problems.every((line) => /cannot read file/.test(line));
    assert.ok(onlyMissingFiles, `${where}: node ${argv.join(' ')} exited ${code}:\n${stderr}`);
  }
}

/** Runs a documented key-generation line and loads the key the way the unwrapper would. */
async function checkKey(where: string, assignment: string) {
  const name = assignment.split('=')[0]!;
  const { stdout: key } = await run('bash', ['-c', `${assignment}\nprintf %s "$${name}"`]);
  await run(
    process.execPath,
    [BINS['beats-gate-unwrapper']!, '--print-config', '--upstreams', '127.0.0.1:5044'],
    { cwd: root, env: { ...process.env, BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: key } },
  ).catch((error: { stderr?: string }) => {
    assert.fail(`${where}: the key "${name}" the docs generate is refused:\n${error.stderr}`);
  });
}

describe('the commands in the docs', () => {
  it('are mostly run, not skipped: the splitter and the rules find them', () => {
    const kinds = { program: 0, key: 0, openssl: 0, skip: 0 };
    for (const page of PAGES) {
      for (const command of docCommands(root, page)) {
        if (command.words[0] !== 'export') kinds[plan(command, {}).kind]++;
      }
    }
    assert.ok(kinds.program >= 20, JSON.stringify(kinds));
    assert.ok(kinds.key >= 2, JSON.stringify(kinds));
    assert.ok(kinds.openssl >= 5, JSON.stringify(kinds));
  });

  for (const page of PAGES) {
    it(`${page}: every command runs offline or is named with its reason`, async (t) => {
      const env: Record<string, string> = {};
      let scratch: string | undefined;
      for (const command of docCommands(root, page)) {
        if (command.words[0] === 'export') {
          for (const assignment of command.words.slice(1)) {
            const [name, ...value] = assignment.split('=');
            env[name!] = value.join('=');
          }
          continue;
        }
        const planned = plan(command, env);
        if (planned.kind === 'program') {
          await checkProgram(command.where, planned.file, planned.args, planned.env);
        } else if (planned.kind === 'key') {
          await checkKey(command.where, planned.assignment);
        } else if (planned.kind === 'openssl') {
          if (scratch === undefined) {
            const dir = await mkdtemp(join(tmpdir(), 'bg-doc-openssl-'));
            t.after(() => rm(dir, { recursive: true, force: true }));
            scratch = dir;
          }
          await run('openssl', planned.args, { cwd: scratch, timeout: 30_000 }).catch(
            (error: { stderr?: string }) => {
              assert.fail(`${command.where}: ${command.text} failed:\n${error.stderr}`);
            },
          );
        }
      }
    });
  }
});

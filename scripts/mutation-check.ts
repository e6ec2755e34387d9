/**
 * The mutation check: breaks each property of scripts/mutants.ts, one at a time, in a scratch copy
 * of the repository, and runs the tests listed for it. Every listed test run must fail against
 * its break; one that still passes does not prove what its name claims. The working tree is never
 * touched.
 *
 *   npm run mutation-check                      # every mutant, on a copy of the working tree
 *   npm run mutation-check -- --only drain-waits-for-acks,token-renewal
 *   npm run mutation-check -- --ref HEAD        # on a commit instead (git archive)
 *   npm run mutation-check -- --list            # the table: snippets and test files
 *
 * Exit codes: 0 every mutant caught; 1 a mutant survived, is stale (its snippet is gone) or a
 * test run hung; 2 the unbroken copy already fails the listed tests, so nothing can be judged.
 */
import { spawn, execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { applyPatches, MUTANTS, type Mutant, type TestRun } from './mutants.ts';

const root = resolve(import.meta.dirname, '..');

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    ref: { type: 'string' },
    list: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'skip-baseline': { type: 'boolean', default: false },
    'run-timeout-ms': { type: 'string', default: String(5 * 60_000) },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'usage: npm run mutation-check -- [--only name,…] [--ref commit] [--list] [--keep]\n' +
      '         [--skip-baseline] [--run-timeout-ms N]   (docs/testing.md)\n',
  );
  process.exit(0);
}

const runTimeoutMs = Number(values['run-timeout-ms']);
if (!Number.isInteger(runTimeoutMs) || runTimeoutMs <= 0) {
  throw new RangeError(
    `--run-timeout-ms must be a positive integer, got "${values['run-timeout-ms']}"`,
  );
}

function selected(): readonly Mutant[] {
  if (!values.only) return MUTANTS;
  const names = values.only.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !MUTANTS.some((m) => m.name === name));
  if (unknown.length > 0) {
    throw new RangeError(
      `--only: no mutant named ${unknown.join(', ')} (known: ${MUTANTS.map((m) => m.name).join(', ')})`,
    );
  }
  return MUTANTS.filter((m) => names.includes(m.name));
}

function describeRun(run: TestRun): string {
  return run.name ? `${run.file} › /${run.name}/` : run.file;
}

/** The scratch copy: the working tree's files (or a commit's), with node_modules shared. */
async function makeCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bg-mutation-'));
  if (values.ref) {
    const tar = join(dir, '.source.tar');
    execFileSync('git', ['-C', root, 'archive', '--format=tar', '-o', tar, values.ref]);
    execFileSync('tar', ['-xf', tar, '-C', dir]);
    await rm(tar);
  } else {
    const listed = execFileSync(
      'git',
      ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    for (const file of listed.split('\0').filter(Boolean)) {
      // A file deleted in the working tree is still in the index: copy what is on disk.
      if (!existsSync(join(root, file))) continue;
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await cp(join(root, file), join(dir, file));
    }
  }
  // The installed packages are shared, except the workspace links: those must point into the
  // copy, or a test importing @beats-gate/lumberjack would load the unbroken working tree.
  await mkdir(join(dir, 'node_modules', '@beats-gate'), { recursive: true });
  for (const entry of await readdir(join(root, 'node_modules'))) {
    if (entry === '@beats-gate') continue;
    await symlink(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  for (const entry of await readdir(join(root, 'node_modules', '@beats-gate'))) {
    await symlink(join('..', '..', entry), join(dir, 'node_modules', '@beats-gate', entry));
  }
  return dir;
}

type RunOutcome =
  | { kind: 'passed'; ms: number; tests: number }
  | { kind: 'failed'; ms: number; firstFailure: string }
  /** The file did not load, or no test in it ran: nothing was judged. */
  | { kind: 'broken'; ms: number; why: string }
  | { kind: 'hung'; ms: number };

/** Runs one test file (or some of its tests) in the copy with node's test runner. */
function runTests(dir: string, run: TestRun): Promise<RunOutcome> {
  if (!existsSync(join(dir, run.file))) {
    return Promise.resolve({ kind: 'broken', ms: 0, why: `${run.file} does not exist` });
  }
  const args = ['--test', '--test-reporter=tap'];
  if (run.name) args.push(`--test-name-pattern=${run.name}`);
  args.push(run.file);
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, args, {
      cwd: dir,
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', () => {});
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      // The whole group: a test file starts workerd, the unwrapper and the client as children.
      process.kill(-child.pid!, 'SIGKILL');
    }, runTimeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      if (hung) return done({ kind: 'hung', ms });
      // A file whose tests the name pattern all filtered out passes as one test of its own.
      const wrapped = new RegExp(`^ok \\d+ - \\S*${run.file.replaceAll('.', '\\.')}$`, 'm');
      const tests =
        Number(/^# pass (\d+)$/m.exec(output)?.[1] ?? 0) - (wrapped.test(output) ? 1 : 0);
      if (code === 0) {
        if (tests === 0) return done({ kind: 'broken', ms, why: 'no test ran' });
        return done({ kind: 'passed', ms, tests });
      }
      // The leaf that failed first: TAP lists a test before the suite that holds it. A file
      // that does not load fails under its own name.
      const failure = /^\s*not ok \d+ - (.+)$/m.exec(output)?.[1] ?? `exit code ${code}`;
      if (failure === run.file || failure.endsWith(run.file)) {
        return done({ kind: 'broken', ms, why: `${run.file} failed to load` });
      }
      done({ kind: 'failed', ms, firstFailure: failure });
    });
  });
}

async function restore(dir: string, files: string[], originals: Map<string, string>) {
  for (const file of files) await writeFile(join(dir, file), originals.get(file)!);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

async function main(): Promise<number> {
  const mutants = selected();
  if (values.list) {
    for (const mutant of mutants) {
      console.log(`${mutant.name}: ${mutant.property}`);
      for (const patch of mutant.patches) {
        console.log(`  in ${patch.files.join(' | ')}`);
        console.log(`    find    ${JSON.stringify(patch.find)}`);
        console.log(`    replace ${JSON.stringify(patch.replace)}`);
      }
      for (const run of mutant.tests) console.log(`  must fail: ${describeRun(run)}`);
    }
    return 0;
  }

  const dir = await makeCopy();
  console.log(`scratch copy of ${values.ref ?? 'the working tree'}: ${dir}`);
  try {
    if (!values['skip-baseline']) {
      const runs = new Map<string, TestRun>();
      for (const run of mutants.flatMap((m) => m.tests)) runs.set(describeRun(run), run);
      for (const [label, run] of runs) {
        const outcome = await runTests(dir, run);
        const detail = outcome.kind === 'passed' ? `${outcome.tests} tests, ` : '';
        console.log(
          `baseline  ${outcome.kind.padEnd(8)} ${label} (${detail}${seconds(outcome.ms)})`,
        );
        if (outcome.kind !== 'passed') {
          console.error(
            'the unbroken copy does not pass the listed tests: no mutant can be judged',
          );
          return 2;
        }
      }
    }

    let bad = 0;
    for (const mutant of mutants) {
      const originals = new Map<string, string>();
      for (const file of new Set(mutant.patches.flatMap((p) => p.files))) {
        const path = join(dir, file);
        if (existsSync(path)) originals.set(file, await readFile(path, 'utf8'));
      }
      // Patched in memory first, so a stale mutant leaves the copy as it was.
      const current = new Map(originals);
      const patched = applyPatches(
        mutant,
        (file) => current.get(file),
        (file, text) => current.set(file, text),
      );
      if (!patched.ok) {
        bad++;
        console.log(
          `STALE     ${mutant.name}: ${patched.problem}; retarget it in scripts/mutants.ts`,
        );
        continue;
      }
      for (const file of patched.files) await writeFile(join(dir, file), current.get(file)!);
      try {
        for (const run of mutant.tests) {
          const outcome = await runTests(dir, run);
          const label = `${mutant.name} × ${describeRun(run)} (${seconds(outcome.ms)})`;
          if (outcome.kind === 'failed') {
            console.log(`caught    ${label}: ${outcome.firstFailure}`);
          } else if (outcome.kind === 'broken') {
            bad++;
            console.log(`BROKEN    ${label}: ${outcome.why}; check the patch and the test file`);
          } else {
            bad++;
            const verdict = outcome.kind === 'hung' ? 'HUNG    ' : 'SURVIVED';
            console.log(`${verdict}  ${label}: ${mutant.property}`);
          }
        }
      } finally {
        await restore(dir, [...originals.keys()], originals);
      }
    }
    console.log(
      bad === 0
        ? `every mutant caught by every test listed for it (${mutants.length} mutants)`
        : `${bad} mutant run(s) not caught`,
    );
    return bad === 0 ? 0 : 1;
  } finally {
    if (values.keep) console.log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();

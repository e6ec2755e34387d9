// Runs every test file of the repository (or of the folders given) with node's test runner,
// prints the spec report, and fails when a test fails or when no test ran at all: a green run
// that tested nothing would hide a broken glob. Skipped tests (and todo tests) are counted apart
// from passes: a skip proves nothing, so it must not make the total look better than it is.
//
// Two phases: the packages' own tests run two files at a time; then the end-to-end suites in
// tests/ run one at a time, since each starts a whole chain of processes (workerd among them) and
// two of them at once on a 2-core machine measure the scheduler, not the product.
import { glob } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const root = resolve(import.meta.dirname, '..');
const folders = process.argv.slice(2);
const packagePatterns = (folders.length > 0 ? folders : ['*']).flatMap((folder) => [
  `${folder}/src/**/*.test.ts`,
  `${folder}/test/**/*.test.ts`,
  `${folder}/bin/**/*.test.ts`,
]);
const endToEndPatterns =
  folders.length === 0 || folders.includes('tests') ? ['tests/**/*.test.ts'] : [];

async function find(patterns: string[]): Promise<string[]> {
  const files = new Set<string>();
  for (const pattern of patterns) {
    for await (const file of glob(pattern, {
      cwd: root,
      exclude: (f) => f.includes('node_modules'),
    })) {
      files.add(join(root, file));
    }
  }
  return [...files].sort();
}

const endToEnd = await find(endToEndPatterns);
const packages = (await find(packagePatterns)).filter((file) => !endToEnd.includes(file));
if (packages.length + endToEnd.length === 0) {
  console.error(`no test files match ${[...packagePatterns, ...endToEndPatterns].join(', ')}`);
  process.exit(1);
}

let passed = 0;
let failed = 0;
let skipped = 0;

/**
 * A skipped suite reports no event for its tests, so it counts once; a todo test counts as
 * skipped whatever its outcome, as node's own runner does not fail a run for it.
 */
function notRun(event: { skip?: boolean | string; todo?: boolean | string }): boolean {
  return Boolean(event.skip) || Boolean(event.todo);
}

function runPhase(files: string[], concurrency: number): Promise<void> {
  if (files.length === 0) return Promise.resolve();
  const stream = run({ files, concurrency, timeout: 10 * 60_000 });
  stream.on('test:pass', (event) => {
    if (notRun(event)) skipped++;
    else if (event.details.type !== 'suite') passed++;
  });
  stream.on('test:fail', (event) => {
    if (event.todo) {
      skipped++;
      return;
    }
    if (event.details.type !== 'suite') failed++;
    process.exitCode = 1;
  });
  const report = stream.compose(spec);
  report.pipe(process.stdout, { end: false });
  return new Promise((done) => report.once('end', done));
}

await runPhase(packages, Math.max(2, availableParallelism()));
await runPhase(endToEnd, 1);

if (passed + failed === 0) {
  console.error('no test ran: failing the run on purpose');
  process.exitCode = 1;
}
console.log(`test files: ${[...packages, ...endToEnd].map((f) => relative(root, f)).join(' ')}`);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);

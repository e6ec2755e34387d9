// Runs every test file of the repository (or of the folders given) with node's test runner,
// prints the spec report, and fails when a test fails or when no test ran at all:
// a green run that tested nothing would hide a broken glob.
import { glob } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const root = resolve(import.meta.dirname, '..');
const folders = process.argv.slice(2);
const patterns = (folders.length > 0 ? folders : ['*']).flatMap((folder) => [
  `${folder}/src/**/*.test.ts`,
  `${folder}/test/**/*.test.ts`,
  `${folder}/bin/**/*.test.ts`,
]);
// The end-to-end suite lives in tests/ at the root: its files sit directly there.
if (folders.length === 0 || folders.includes('tests')) patterns.push('tests/**/*.test.ts');

const files = new Set<string>();
for (const pattern of patterns) {
  for await (const file of glob(pattern, {
    cwd: root,
    exclude: (f) => f.includes('node_modules'),
  })) {
    files.add(join(root, file));
  }
}
if (files.size === 0) {
  console.error(`no test files match ${patterns.join(', ')}`);
  process.exit(1);
}

let passed = 0;
let failed = 0;
const stream = run({
  files: [...files].sort(),
  concurrency: Math.max(2, availableParallelism()),
  timeout: 10 * 60_000,
});
stream.on('test:pass', (event) => {
  if (event.details.type !== 'suite') passed++;
});
stream.on('test:fail', (event) => {
  if (event.details.type !== 'suite') failed++;
  process.exitCode = 1;
});
stream.compose(spec).pipe(process.stdout);
stream.once('end', () => {
  if (passed + failed === 0) {
    console.error('no test ran: failing the run on purpose');
    process.exitCode = 1;
  }
  console.log(`test files: ${[...files].map((f) => relative(root, f)).join(' ')}`);
  console.log(`${passed} passed, ${failed} failed`);
});

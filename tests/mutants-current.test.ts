/**
 * The mutation check (npm run mutation-check, minutes) is not part of every run, so its table
 * could rot unseen when a refactor moves the code a mutant breaks: here every mutant must still
 * apply to today's sources, and every test file it names must exist. Cheap, so it runs always.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { applyPatches, MUTANTS } from '../scripts/mutants.ts';
import { repoPath } from './infra/infra-files.ts';

function readSource(file: string): string | undefined {
  const path = repoPath(file);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

describe('the mutation check table', () => {
  for (const mutant of MUTANTS) {
    it(`${mutant.name} applies to today's code and names existing tests`, () => {
      const patched = new Map<string, string>();
      const result = applyPatches(
        mutant,
        (file) => patched.get(file) ?? readSource(file),
        (file, text) => patched.set(file, text),
      );
      assert.ok(result.ok, result.ok ? '' : `${result.problem}: retarget it in scripts/mutants.ts`);
      for (const file of result.files) assert.notEqual(patched.get(file), readSource(file), file);
      for (const run of mutant.tests) assert.ok(existsSync(repoPath(run.file)), run.file);
    });
  }
});

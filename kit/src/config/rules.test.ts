import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadOptions } from './load-options.ts';
import { bothOrNeither, onlyWith } from './rules.ts';
import { TEST_COMMAND } from './test-command.ts';

function problems(argv: string[]): string[] {
  const loaded = loadOptions(TEST_COMMAND, argv, {});
  assert.equal(loaded.kind, 'config');
  bothOrNeither(loaded.config, 'name', 'token');
  return loaded.config.problems;
}

describe('bothOrNeither', () => {
  it('names the one given and the one missing, either way round', () => {
    assert.deepEqual(problems([]), []);
    assert.deepEqual(problems(['--name', 'a', '--token', 't']), []);
    assert.deepEqual(problems(['--name', 'a']), ['--name: needs token too (give both or neither)']);
    assert.deepEqual(problems(['--token', 't']), [
      '--token: needs name too (give both or neither)',
    ]);
  });
});

describe('onlyWith', () => {
  it('names each option given without what it needs, and nothing when that is there', () => {
    const loaded = loadOptions(TEST_COMMAND, ['--name', 'a', '--claims', 'x'], {});
    assert.equal(loaded.kind, 'config');
    const options = loaded.config;
    onlyWith(options, ['name', 'claims', 'token'], true, 'verbose');
    assert.deepEqual(options.problems, []);
    onlyWith(options, ['name', 'claims', 'token'], options.value('verbose'), 'verbose');
    assert.deepEqual(options.problems, ['--name: needs verbose', '--claims: needs verbose']);
  });
});

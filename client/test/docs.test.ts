import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { envNames, findOptionsTable, renderOptionsTable } from '@beats-gate/kit';
import { CLIENT_COMMAND } from '../src/index.ts';
import { repoRoot } from './helpers.ts';

describe('docs/client.md', () => {
  const doc = readFileSync(resolve(repoRoot, 'docs/client.md'), 'utf8');

  it('holds the option table as the code renders it (node scripts/docs-options.ts)', () => {
    assert.equal(findOptionsTable(doc, CLIENT_COMMAND.name), renderOptionsTable(CLIENT_COMMAND));
  });

  it('names only real variables in the systemd env example', () => {
    const example = readFileSync(
      resolve(repoRoot, 'infra/systemd/beats-gate-client.env.example'),
      'utf8',
    );
    const known = envNames(CLIENT_COMMAND);
    const named = example.match(/BEATS_GATE_[A-Z_]+/g) ?? [];
    assert.ok(named.length > 5, 'the example names the variables');
    for (const name of named)
      assert.ok(known.has(name), `${name} in the env example is not a setting`);
  });
});

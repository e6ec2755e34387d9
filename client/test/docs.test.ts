import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { OPTIONS } from '../src/index.ts';
import { repoRoot } from './helpers.ts';

// The reference table in docs/client.md is written by hand; this keeps it from drifting.
describe('docs/client.md', () => {
  const doc = readFileSync(resolve(repoRoot, 'docs/client.md'), 'utf8');

  it('documents every flag, environment variable and file key', () => {
    for (const spec of OPTIONS) {
      assert.ok(doc.includes(`\`${spec.env}\``), `${spec.env} is not documented`);
      assert.ok(doc.includes(`\`${spec.key}\``), `file key ${spec.key} is not documented`);
      if (!spec.noFlag)
        assert.ok(doc.includes(`\`${spec.flag}\``), `${spec.flag} is not documented`);
    }
  });

  it('names only real variables in the systemd env example', () => {
    const example = readFileSync(
      resolve(repoRoot, 'infra/systemd/beats-gate-client.env.example'),
      'utf8',
    );
    const known = new Set([...OPTIONS.map((spec) => spec.env), 'BEATS_GATE_CONFIG']);
    for (const name of example.match(/BEATS_GATE_[A-Z_]+/g) ?? []) {
      assert.ok(known.has(name), `${name} in the env example is not a setting`);
    }
  });
});

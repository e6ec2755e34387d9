// docs/edge-worker.md stays in step with the edge's loader: every variable, secret and binding the
// loader reads has a row in the docs' tables, and every row names something the loader reads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './config.ts';
import { OUTCOME_COLUMNS } from './outcomes.ts';

const docs = readFileSync(resolve(import.meta.dirname, '../../docs/edge-worker.md'), 'utf8');

/** First cells of table rows that name an upper-case setting: `ORIGIN_URL`, `DENYLIST`… */
const documented = new Set(
  [...docs.matchAll(/^\| `([A-Z][A-Z0-9_]+)` +\|/gm)]
    .map((match) => match[1]!)
    .filter((name) => !name.startsWith('ERR_')),
);

/** Every name the loader asks the environment for, recorded through a proxy. */
function namesRead(): Set<string> {
  const read = new Set<string>();
  const env = new Proxy(
    {},
    {
      get(_target, name) {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
      has(_target, name) {
        if (typeof name === 'string') read.add(name);
        return false;
      },
    },
  );
  loadConfig(env);
  return read;
}

describe('docs/edge-worker.md', () => {
  it('documents every variable, secret and binding the edge reads, and no other', () => {
    const read = namesRead();
    assert.ok(read.size > 15, [...read].join(', '));
    for (const name of read) assert.ok(documented.has(name), `${name} is read but not documented`);
    for (const name of documented) assert.ok(read.has(name), `${name} is documented but not read`);
  });
});

describe('docs/edge-worker.md, outcomes', () => {
  it('names every column of the data point in the order the worker writes them', () => {
    const rows = [...docs.matchAll(/^\| `((?:blob|double|index)\d+)` +\| `([^`]+)` +\|/gm)].map(
      (match) => [match[1], match[2]],
    );
    const prefixes = { blobs: 'blob', doubles: 'double', indexes: 'index' } as const;
    const written = (['blobs', 'doubles', 'indexes'] as const).flatMap((kind) =>
      OUTCOME_COLUMNS[kind].map((name, i) => [`${prefixes[kind]}${i + 1}`, name]),
    );
    assert.deepEqual(rows, written);
  });
});

// docs/unwrapper.md stays in step with the code: every option, refusal and metric is documented.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { createMetrics } from '../src/admin/metrics.ts';
import { findOptionsTable, renderOptionsTable } from '@beats-gate/kit';
import { UNWRAPPER_COMMAND } from '../src/config/options.ts';
import { REFUSALS } from '../src/upgrade/refusal.ts';

const docs = readFileSync(resolve(import.meta.dirname, '../../docs/unwrapper.md'), 'utf8');
/** Table rows as trimmed cells (Prettier pads them). */
const rows = docs
  .split('\n')
  .filter((line) => line.startsWith('|'))
  .map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );

describe('docs/unwrapper.md', () => {
  it('holds the option table as the code renders it (node scripts/docs-options.ts)', () => {
    const table = findOptionsTable(docs, UNWRAPPER_COMMAND.name);
    assert.equal(table, renderOptionsTable(UNWRAPPER_COMMAND));
  });

  it('lists every refusal with its status and code', () => {
    for (const [label, { status, code }] of Object.entries(REFUSALS)) {
      const row = rows.find((cells) => cells[2] === `\`${label}\``);
      assert.ok(row, label);
      assert.equal(row[1], `\`${code}\``);
      if (label !== 'client_gone') assert.equal(row[0], String(status), label);
    }
  });

  it('describes every metric, and no other', async () => {
    const { registry } = createMetrics({
      defaultMetrics: false,
      read: { tunnels: () => 0, draining: () => false, upstreams: () => [] },
    });
    const registered = (await registry.getMetricsAsJSON()).map((metric) => metric.name);
    const documented = rows
      .map((cells) => /^`(beats_gate_unwrapper_[a-z_]+)`$/.exec(cells[0] ?? '')?.[1])
      .filter((name) => name !== undefined);
    assert.deepEqual([...documented].sort(), [...registered].sort());
  });
});

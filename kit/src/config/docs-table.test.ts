import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findOptionsTable, optionRows, renderOptionsTable } from './docs-table.ts';
import { TEST_COMMAND } from './test-command.ts';

describe('renderOptionsTable', () => {
  it('has a row per option with its flag, variable, default and range, plus --config', () => {
    const rows = optionRows(TEST_COMMAND);
    assert.equal(rows.length, Object.keys(TEST_COMMAND.options).length + 1);
    assert.deepEqual(
      rows.find((row) => row[0] === '`pingIntervalMs`'),
      [
        '`pingIntervalMs`',
        '`--ping-interval-ms <ms>`',
        '`BEATS_GATE_KIT_TEST_PING_INTERVAL_MS`',
        '`25000`',
        'ping interval (1000–600000)',
      ],
    );
    assert.equal(rows.find((row) => row[0] === '`clientSecret`')?.[1], '—', 'no flag');
    assert.equal(
      rows.find((row) => row[0]?.startsWith('`listen`'))?.[0],
      '`listen` (also per listener)',
    );
  });

  it('pads every column to one width, as Prettier does, and is found after its marker', () => {
    const table = renderOptionsTable(TEST_COMMAND);
    const widths = new Set(table.split('\n').map((line) => [...line].length));
    assert.equal(widths.size, 1, 'every line is as wide as the others');
    assert.match(table.split('\n')[1] ?? '', /^\| -+ \| -+ \| -+ \| -+ \| -+ \|$/);
    const page = `# Options\n\n<!-- options: kit-test -->\n\n${table}\n\nAfter.\n`;
    assert.equal(findOptionsTable(page, 'kit-test'), table);
    assert.equal(findOptionsTable(page, 'other'), undefined);
  });
});

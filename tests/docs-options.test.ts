// Every option table in the docs is the one its command loads with (node scripts/docs-options.ts
// rewrites them), and every command answers --help with each of its variables.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { envNames, findOptionsTable, loadOptions, renderOptionsTable } from '../kit/src/index.ts';
import { DOCUMENTED } from '../scripts/documented-commands.ts';
import { repoPath } from './infra/infra-files.ts';

describe('option tables in the docs', () => {
  for (const { page, command } of DOCUMENTED) {
    it(`${page} holds ${command.name}'s table as the code renders it`, () => {
      const text = readFileSync(repoPath(page), 'utf8');
      const table = findOptionsTable(text, command.name);
      assert.ok(table, `no "<!-- options: ${command.name} -->" table in ${page}`);
      assert.equal(table, renderOptionsTable(command));
      for (const name of envNames(command)) assert.ok(table.includes(`\`${name}\``), name);
    });

    it(`${command.name} --help names every variable and fits 80 columns`, () => {
      const help = loadOptions(command, ['--help'], {});
      assert.equal(help.kind, 'print');
      for (const name of envNames(command)) assert.ok(help.text.includes(name), name);
      const wide = help.text.split('\n').filter((line) => [...line].length > 80);
      assert.deepEqual(wide, []);
    });
  }
});

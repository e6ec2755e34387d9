// Rewrites the option tables in the docs from the option tables in the code: each table follows
// a `<!-- options: <command> -->` line. tests/docs-options.test.ts compares the two, so run this
// after changing an option; the tables come out padded as Prettier pads them.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { findOptionsTable, renderOptionsTable } from '@beats-gate/kit';
import { DOCUMENTED } from './documented-commands.ts';

const root = resolve(import.meta.dirname, '..');

for (const { page, command } of DOCUMENTED) {
  const path = resolve(root, page);
  const text = readFileSync(path, 'utf8');
  const marker = `<!-- options: ${command.name} -->`;
  const old = findOptionsTable(text, command.name);
  if (old === undefined) throw new Error(`${page}: no "${marker}" line`);
  const at = text.indexOf(marker) + marker.length;
  const table = renderOptionsTable(command);
  const rest = text.slice(at);
  const updated =
    old === ''
      ? `${text.slice(0, at)}\n\n${table}\n${rest.replace(/^\n+/, '\n')}`
      : text.slice(0, at) + rest.replace(old, table);
  if (updated !== text) {
    writeFileSync(path, updated);
    console.log(`${page}: ${command.name} table rewritten`);
  }
}

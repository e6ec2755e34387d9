// Rewrites the option tables in the docs from the option tables in the code: each table follows
// a `<!-- options: <command> -->` line. The docs tests compare the two, so run this after changing
// an option (then `npx prettier --write` on the pages is a no-op: the tables come out padded).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { findOptionsTable, renderOptionsTable, type CommandSpec } from '@beats-gate/kit';
import { CLIENT_COMMAND } from '../client/src/config/options.ts';

const root = resolve(import.meta.dirname, '..');

export const DOCUMENTED: readonly { page: string; command: CommandSpec }[] = [
  { page: 'docs/client.md', command: CLIENT_COMMAND },
];

for (const { page, command } of DOCUMENTED) {
  const path = resolve(root, page);
  const text = readFileSync(path, 'utf8');
  const old = findOptionsTable(text, command.name);
  if (old === undefined) throw new Error(`${page}: no "<!-- options: ${command.name} -->" line`);
  const marker = `<!-- options: ${command.name} -->`;
  const at = text.indexOf(marker) + marker.length;
  const updated =
    old === ''
      ? `${text.slice(0, at)}\n\n${renderOptionsTable(command)}\n${text.slice(at).replace(/^\n+/, '\n')}`
      : text.slice(0, at) + text.slice(at).replace(old, renderOptionsTable(command));
  if (updated !== text) {
    writeFileSync(path, updated);
    console.log(`${page}: ${command.name} table rewritten`);
  }
}

/**
 * The markdown table of a command's options, for its docs page. The docs tests compare the page
 * with this text, so the page cannot drift from the table; `node scripts/docs-options.ts`
 * rewrites the pages. Cells are padded the way Prettier pads them, so the check and
 * `prettier --check` agree.
 */
import type { CommandSpec } from './command.ts';
import { defaultText, meaning } from './describe-option.ts';
import { envName, flagSyntax } from './option.ts';

const code = (text: string) => `\`${text}\``;

export function optionRows(command: CommandSpec): string[][] {
  const rows = [
    [
      '—',
      code('--config <path>'),
      code(`${command.envPrefix}CONFIG`),
      '—',
      'config file, JSON or YAML (.yaml/.yml)',
    ],
  ];
  for (const [key, spec] of Object.entries(command.options)) {
    const perEntry =
      spec.inEntries && command.entries ? ` (also per ${command.entries.label})` : '';
    const flag = spec.noFlag ? '—' : code(flagSyntax(key, spec));
    const fallback =
      spec.defaultText ?? (spec.default === undefined ? undefined : code(defaultText(spec) ?? ''));
    rows.push([
      code(key) + perEntry,
      spec.argument ? `${flag} or the argument` : flag,
      code(envName(command.envPrefix, key)),
      fallback ?? '—',
      meaning(spec, false),
    ]);
  }
  return rows.map((row) => row.map((cell) => cell.replace(/\|/g, '\\|')));
}

const HEADER = ['file key', 'flag', 'environment', 'default', 'meaning'];

export function renderOptionsTable(command: CommandSpec): string {
  const rows = [HEADER, ...optionRows(command)];
  const widths = HEADER.map((_, column) =>
    Math.max(3, ...rows.map((row) => [...(row[column] ?? '')].length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell + ' '.repeat((widths[column] ?? 0) - [...cell].length)).join(' | ')} |`;
  const [header, ...body] = rows;
  return [
    line(header ?? []),
    line(widths.map((width) => '-'.repeat(width))),
    ...body.map(line),
  ].join('\n');
}

/**
 * The table in a docs page: the lines starting with `|` right after the marker line
 * `<!-- options: <command name> -->` (and one blank line).
 */
export function findOptionsTable(page: string, commandName: string): string | undefined {
  const lines = page.split('\n');
  const start = lines.indexOf(`<!-- options: ${commandName} -->`);
  if (start < 0) return undefined;
  let first = start + 1;
  while (lines[first]?.trim() === '') first++;
  let end = first;
  while (lines[end]?.startsWith('|')) end++;
  return lines.slice(first, end).join('\n');
}

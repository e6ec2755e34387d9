/**
 * Reads the config file named by --config: YAML when the name ends in .yaml or .yml (as Beats,
 * Logstash and cloudflared users write theirs), JSON otherwise. A syntax error is reported by
 * line and column only, never with the text around it, which may hold a secret.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml, YAMLError } from 'yaml';

export type ConfigFileFormat = 'json' | 'yaml';

export function configFileFormat(path: string): ConfigFileFormat {
  return /^\.ya?ml$/i.test(extname(path)) ? 'yaml' : 'json';
}

function jsonPosition(text: string, error: unknown): string {
  const offset = /position (\d+)/.exec((error as Error).message)?.[1];
  if (offset === undefined) return '';
  const before = text.slice(0, Number(offset)).split('\n');
  return ` at line ${before.length} column ${(before.at(-1)?.length ?? 0) + 1}`;
}

function parseText(path: string, text: string): { value: unknown } | { problem: string } {
  if (configFileFormat(path) === 'json') {
    try {
      return { value: JSON.parse(text) as unknown };
    } catch (error) {
      return { problem: `not valid JSON${jsonPosition(text, error)}` };
    }
  }
  try {
    // Unique keys and a cap on alias expansion are the library's defaults; both stay on.
    return { value: parseYaml(text) as unknown };
  } catch (error) {
    if (!(error instanceof YAMLError)) throw error;
    const at = error.linePos?.[0];
    const where = at ? ` at line ${at.line} column ${at.col}` : '';
    return { problem: `not valid YAML${where} (${error.code})` };
  }
}

/** The file's top-level mapping, or a problem naming the file. */
export function readConfigFile(
  path: string,
): { values: Readonly<Record<string, unknown>> } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return {
      problem: `config file ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    };
  }
  const parsed = parseText(path, text);
  if ('problem' in parsed) return { problem: `config file ${path}: ${parsed.problem}` };
  const { value } = parsed;
  if (value === null || value === undefined) return { values: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { problem: `config file ${path}: expected a mapping of option names to values` };
  }
  return { values: value as Record<string, unknown> };
}

import { readFile } from 'node:fs/promises';
import { OPTIONS, TOKEN_SOURCE_KEYS } from './options.ts';
import type { Problems } from './values.ts';

/** One source of settings (flags, environment or file) with the way it names a key in messages. */
export interface Layer {
  readonly name: string;
  readonly values: Readonly<Record<string, unknown>>;
  where(key: string): string;
}

const FLAG_BY_KEY = new Map(OPTIONS.map((spec) => [spec.key, spec.flag.split(' ')[0] ?? spec.key]));
const ENV_BY_KEY = new Map(OPTIONS.map((spec) => [spec.key, spec.env]));
const PER_LISTENER = new Set(OPTIONS.filter((spec) => spec.perListener).map((spec) => spec.key));
const FILE_KEYS = new Set([...OPTIONS.map((spec) => spec.key), 'listeners']);
const LISTENER_KEYS = new Set(['name', 'listen', ...PER_LISTENER]);

export function flagLayer(values: Record<string, unknown>): Layer {
  return { name: 'the command line', values, where: (key) => FLAG_BY_KEY.get(key) ?? key };
}

export function envLayer(env: Readonly<Record<string, string | undefined>>): Layer {
  const values: Record<string, unknown> = {};
  for (const spec of OPTIONS) {
    const value = env[spec.env];
    if (value !== undefined && value !== '') values[spec.key] = value;
  }
  return { name: 'the environment', values, where: (key) => ENV_BY_KEY.get(key) ?? key };
}

export function fileLayer(values: Record<string, unknown>, prefix = 'config file'): Layer {
  return { name: prefix, values, where: (key) => `${prefix} key "${key}"` };
}

export interface ConfigFile {
  readonly top: Layer;
  readonly listeners?: readonly Layer[];
}

/** Reads and shape-checks the JSON file; unknown keys are problems (a typo must not go unnoticed). */
export async function readConfigFile(path: string, problems: Problems): Promise<ConfigFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    problems.push(`config file "${path}": cannot be read as JSON (${reason})`);
    return { top: fileLayer({}) };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`config file "${path}": expected a JSON object`);
    return { top: fileLayer({}) };
  }
  const object = parsed as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    if (!FILE_KEYS.has(key)) problems.push(`config file: unknown key "${key.slice(0, 64)}"`);
  }
  const { listeners, ...top } = object;
  if (listeners === undefined) return { top: fileLayer(top) };
  if (!Array.isArray(listeners) || listeners.length === 0) {
    problems.push('config file key "listeners": expected a non-empty array of listener objects');
    return { top: fileLayer(top) };
  }
  const layers = listeners.map((entry: unknown, index) => {
    const prefix = `config file listeners[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${prefix}: expected an object`);
      return fileLayer({}, prefix);
    }
    for (const key of Object.keys(entry)) {
      if (!LISTENER_KEYS.has(key)) {
        problems.push(`${prefix}: key "${key.slice(0, 64)}" is not allowed in a listener`);
      }
    }
    return fileLayer(entry as Record<string, unknown>, prefix);
  });
  return { top: fileLayer(top), listeners: layers };
}

export function hasTokenSource(layer: Layer): boolean {
  return TOKEN_SOURCE_KEYS.some((key) => layer.values[key] !== undefined);
}

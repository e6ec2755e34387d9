/**
 * Reading the deployment files for tests/infra*.test.ts: every YAML document under infra/, the
 * names each service's config loader knows, and the loaders themselves, so a renamed option or a
 * mistyped variable in a deployment file fails a test instead of a deploy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { envNames } from '../../kit/src/index.ts';
import { CLIENT_COMMAND } from '../../client/src/config/options.ts';
import { UNWRAPPER_COMMAND } from '../../unwrapper/src/config/options.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const INFRA = join(ROOT, 'infra');

export function repoPath(...parts: string[]): string {
  return join(ROOT, ...parts);
}

/** Every .yaml/.yml file below `dir`, relative to the repository root, sorted. */
export function yamlFiles(dir = INFRA): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.ya?ml$/.test(entry.name)) {
      found.push(relative(ROOT, join(entry.parentPath, entry.name)));
    }
  }
  return found.sort();
}

/** All documents of a YAML file as plain data; any syntax error or warning throws. */
export function readYamlDocuments(path: string): unknown[] {
  const text = readFileSync(resolve(ROOT, path), 'utf8');
  return parseAllDocuments(text, { merge: true }).map((doc, index) => {
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) throw new Error(`${path} document #${index + 1}: ${problem.message}`);
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  });
}

export function readYaml<T = Record<string, unknown>>(path: string): T {
  const [first] = readYamlDocuments(path);
  return first as T;
}

/** JSONC (wrangler.jsonc) through TypeScript's own tolerant JSON reader: comments, trailing commas. */
export function readJsonc<T>(path: string): T {
  const result = ts.parseConfigFileTextToJson(path, readFileSync(resolve(ROOT, path), 'utf8'));
  if (result.error) {
    throw new Error(`${path}: ${ts.flattenDiagnosticMessageText(result.error.messageText, '\n')}`);
  }
  return result.config as T;
}

export const UNWRAPPER_ENV = envNames(UNWRAPPER_COMMAND);
export const CLIENT_ENV = envNames(CLIENT_COMMAND);

/**
 * The names the edge's loader reads. The loader has no option table, so they are taken from its
 * source: every `read.<kind>('NAME'` and `optionalBinding(env, 'NAME'` call.
 */
export function edgeConfigNames(): Set<string> {
  const source = readFileSync(repoPath('edge-worker', 'src', 'config.ts'), 'utf8');
  const names = new Set<string>();
  const calls =
    /(?:read\.(?:required|text|integer|boolean|list)\(|optionalBinding\(\s*env,\s*)'([A-Z0-9_]+)'/g;
  for (const match of source.matchAll(calls)) names.add(match[1]!);
  return names;
}

/** Variables `wrangler dev` itself reads (the worker never sees them as configuration). */
export const WRANGLER_ENV = new Set([
  'CLOUDFLARE_INCLUDE_PROCESS_ENV',
  'WRANGLER_SEND_METRICS',
  'CLOUDFLARE_CF_FETCH_ENABLED',
]);

export function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${what} is not a mapping`);
  }
  return value as Record<string, unknown>;
}

/** Compose `environment:` as a map, whichever of the two spellings the file uses. */
export function environmentOf(service: Record<string, unknown>): Record<string, string> {
  const env = service.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((item: string) => {
        const eq = item.indexOf('=');
        return eq === -1 ? [item, ''] : [item.slice(0, eq), item.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(asRecord(env, 'environment')).map(([k, v]) => {
      if (v === null || v === undefined) return [k, ''];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
        return [k, String(v)];
      }
      throw new Error(`environment ${k} is not a scalar`);
    }),
  );
}

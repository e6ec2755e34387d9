/**
 * The deploy guard: what `npm run deploy:edge` checks in wrangler.jsonc before wrangler may deploy
 * one environment. Offline and read-only: it reads the file through wrangler's own reader and runs
 * the environment's vars through the worker's own loader, so it refuses what the worker would
 * refuse, plus what only a deploy can get wrong (placeholders, vars an environment did not repeat,
 * bindings and routes). Every problem names the setting and the fix.
 */
import * as wrangler from 'wrangler';
import { loadConfig } from '../src/config.ts';
import { isPlaceholder } from '../src/config-reader.ts';

/** The parts of a wrangler config (top level or one environment) the guard reads. */
interface WranglerSection {
  name?: string;
  workers_dev?: boolean;
  vars?: Record<string, unknown>;
  kv_namespaces?: { binding?: string; id?: string }[];
  ratelimits?: { name?: string; namespace_id?: string }[];
  analytics_engine_datasets?: { binding?: string; dataset?: string }[];
  routes?: (string | { pattern?: string; custom_domain?: boolean; zone_name?: string })[];
  route?: string | { pattern?: string };
}

interface WranglerConfig extends WranglerSection {
  env?: Record<string, WranglerSection>;
}

export interface GuardResult {
  /** The environment names the file defines. */
  readonly environments: readonly string[];
  readonly problems: readonly string[];
}

/** Bindings a deployed edge must have: without them revocation or rate limits are silently off. */
const REQUIRED_BINDINGS = [
  ['DENYLIST', 'kv_namespaces', 'revocation'],
  ['UPGRADE_LIMITER', 'ratelimits', 'per-subject upgrade limits'],
  ['FAILURE_LIMITER', 'ratelimits', 'per-address failure limits'],
] as const;

const LOOPBACK = /^(127\.|localhost$|\[::1\]$)/;
const DOCS = 'docs/edge-worker.md, "First deploy of an environment"';

/**
 * wrangler's own reader of its config file (JSONC, TOML). Its declared type comes from a package
 * wrangler bundles rather than ships, so the part used here is restated.
 */
const { experimental_readRawConfig: readRawConfig } = wrangler as unknown as {
  experimental_readRawConfig: (args: { config: string }) => { rawConfig: WranglerConfig };
};

export function readWranglerConfig(configPath: string): WranglerConfig {
  return readRawConfig({ config: configPath }).rawConfig;
}

/** Every reason not to deploy `envName` from `config`; none means the guard lets it through. */
export function checkDeploy(config: WranglerConfig, envName: string | undefined): GuardResult {
  const environments = Object.keys(config.env ?? {});
  const choices = environments.map((name) => `--env ${name}`).join(' or ');
  if (envName === undefined || envName === '') {
    return {
      environments,
      problems: [
        `no environment given: the top level of wrangler.jsonc is the local (npm start) configuration and is never deployed. Fix: npm run deploy:edge -- ${choices || '--env production'}`,
      ],
    };
  }
  const section = config.env?.[envName];
  if (!section) {
    return {
      environments,
      problems: [
        `environment "${envName}" is not in wrangler.jsonc (it has ${environments.join(', ') || 'none'}). Fix: use ${choices}, or add env.${envName}`,
      ],
    };
  }
  const at = `env.${envName}`;
  const problems = [
    ...placeholders(section, at, envName),
    ...missingVars(config.vars ?? {}, section.vars ?? {}, at),
    ...workerProblems(section, at),
    ...missingBindings(section, at),
    ...unreachable(section, at),
  ];
  return { environments, problems };
}

/** Any value still holding a REPLACE… placeholder, by its path in the file, with how to fill it. */
function placeholders(section: WranglerSection, at: string, envName: string): string[] {
  const found: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string') {
      if (isPlaceholder(value)) found.push(path);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`));
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`);
    }
  };
  walk(section, at);
  return found.map((path) => `${path} is still a placeholder. Fix: ${fillIn(path, envName)}`);
}

function fillIn(path: string, envName: string): string {
  if (/\.kv_namespaces\[\d+\]\.id$/.test(path)) {
    return `npm run edge:kv-create -- --env ${envName} prints the id to put there`;
  }
  if (/\.routes\[\d+\]/.test(path)) return "the hostname devices connect to (not the origin's)";
  return `set this environment's value (${DOCS})`;
}

/** Vars are not inherited: a var left out of an environment silently takes the worker's default. */
function missingVars(top: Record<string, unknown>, own: Record<string, unknown>, at: string) {
  const missing = Object.keys(top).filter((name) => !(name in own));
  if (missing.length === 0) return [];
  return [
    `${at}.vars lacks ${missing.join(', ')}: vars are not inherited from the top level. Fix: add them to ${at}.vars ("" leaves one unset)`,
  ];
}

/**
 * The environment's vars through the worker's own loader, with the secret and bindings stood in
 * for (they are checked elsewhere or live on Cloudflare). Placeholders are reported once, above.
 */
function workerProblems(section: WranglerSection, at: string): string[] {
  const vars = section.vars ?? {};
  const loaded = loadConfig({
    ...vars,
    ASSERTION_KEYS: `guard:${'A'.repeat(43)}`,
  });
  // A placeholder is reported once, above, not again for what follows from it.
  const unset = Object.keys(vars).filter((name) => isPlaceholder(String(vars[name])));
  const follows = (problem: string) =>
    unset.some((name) => new RegExp(`\\b${name}\\b`).test(problem));
  const problems = loaded.ok ? [] : loaded.problems.filter((problem) => !follows(problem));
  const found = problems.map((problem) => `${at}.vars: ${problem}`);
  for (const name of ['ORIGIN_URL', 'JWKS_URL']) {
    const url = typeof vars[name] === 'string' ? URL.parse(vars[name]) : null;
    if (!url || isPlaceholder(url.href)) continue;
    if (LOOPBACK.test(url.hostname)) {
      found.push(
        `${at}.vars.${name} points at loopback (${url.host}), which Cloudflare cannot reach. Fix: use the public hostname`,
      );
    } else if (name === 'ORIGIN_URL' && url.protocol === 'http:') {
      found.push(
        `${at}.vars.ORIGIN_URL is http://: the edge assertion would cross the internet in clear text. Fix: use https:// (docs/origin-lockdown.md)`,
      );
    }
  }
  return found;
}

function missingBindings(section: WranglerSection, at: string): string[] {
  const bound = new Set([
    ...(section.kv_namespaces ?? []).map((kv) => kv.binding),
    ...(section.ratelimits ?? []).map((limiter) => limiter.name),
  ]);
  return REQUIRED_BINDINGS.filter(([name]) => !bound.has(name)).map(
    ([name, block, feature]) =>
      `${at} has no ${name} binding, so ${feature} would be off. Fix: add it to ${at}.${block} (bindings are not inherited; ${DOCS})`,
  );
}

/** A deployed edge needs an address: a route or custom domain, or workers.dev. */
function unreachable(section: WranglerSection, at: string): string[] {
  const routes = [...(section.routes ?? []), ...(section.route ? [section.route] : [])];
  if (routes.length > 0 || section.workers_dev === true) return [];
  return [
    `${at} has no route, so devices could not reach it. Fix: set ${at}.routes, for example [{ "pattern": "beats.example.com", "custom_domain": true }] (${DOCS})`,
  ];
}

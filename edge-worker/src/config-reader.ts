/**
 * Reads wrangler vars and secrets into typed values while collecting every problem, so an operator
 * fixing a deploy sees all mistakes in one log line instead of one per redeploy. Messages name the
 * variable and what was expected; they never echo a value, because some of them are secrets.
 */

/**
 * The placeholders wrangler.jsonc ships with (`https://REPLACE-origin.example.com`,
 * `REPLACE_WITH_…_ID`). A value still holding one is a configuration problem, so an edge deployed
 * before it was filled in answers 500, /healthz included; the deploy guard refuses it earlier.
 */
const PLACEHOLDER = /REPLACE[-_]/;

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value);
}

export interface IntegerRule {
  default?: number;
  min: number;
  max: number;
}

export interface ConfigReader {
  readonly problems: string[];
  /** Trimmed text; `undefined` when unset or empty. */
  text(name: string): string | undefined;
  required(name: string): string | undefined;
  integer(name: string, rule: IntegerRule): number | undefined;
  boolean(name: string, fallback: boolean): boolean;
  /** Comma-separated list, entries trimmed, empties dropped. */
  list(name: string): string[];
}

export function createConfigReader(env: Readonly<Record<string, unknown>>): ConfigReader {
  const problems: string[] = [];

  function raw(name: string): string | undefined {
    const value = env[name];
    if (value === undefined || value === null) return undefined;
    // Wrangler vars may be JSON numbers or booleans; both have one obvious text form.
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value !== 'string') {
      problems.push(`${name} must be a string variable, got ${typeof value}`);
      return undefined;
    }
    const trimmed = value.trim();
    if (isPlaceholder(trimmed)) {
      problems.push(
        `${name} is still a placeholder from wrangler.jsonc; set it for this environment`,
      );
      return undefined;
    }
    return trimmed === '' ? undefined : trimmed;
  }

  return {
    problems,
    text: raw,
    required(name) {
      const value = raw(name);
      if (value === undefined && !problems.some((p) => p.startsWith(`${name} `))) {
        problems.push(`${name} is required`);
      }
      return value;
    },
    integer(name, rule) {
      const value = raw(name);
      if (value === undefined) return rule.default;
      if (!/^-?\d+$/.test(value)) {
        problems.push(`${name} must be an integer from ${rule.min} to ${rule.max}`);
        return rule.default;
      }
      const number = Number(value);
      if (number < rule.min || number > rule.max) {
        problems.push(`${name} must be from ${rule.min} to ${rule.max}, got ${number}`);
        return rule.default;
      }
      return number;
    },
    boolean(name, fallback) {
      const value = raw(name)?.toLowerCase();
      if (value === undefined) return fallback;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      problems.push(`${name} must be "true" or "false"`);
      return fallback;
    },
    list(name) {
      const value = raw(name);
      if (value === undefined) return [];
      return value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0);
    },
  };
}

/**
 * The alert rules the drill's Prometheus loads: the shipped file as is, or, for a short drill, a
 * copy in which every rule's `for` is scaled down by one factor. Expressions, thresholds and rate
 * windows are untouched, and one factor keeps the durations in the same order (a drain still has
 * far longer to end than a Logstash has to come back), so the same alerts fire, only sooner.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** A Prometheus duration such as `2m` or `90s`, in seconds. */
export function durationSeconds(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match)
    throw new Error(`unsupported duration "${text}": expected a number and ms, s, m, h or d`);
  return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}

export interface RuleSpec {
  alert: string;
  /** The `for` in seconds (0 without one), after scaling. */
  forSeconds: number;
}

interface RulesFile {
  groups: { name: string; rules: { alert?: string; record?: string; for?: string }[] }[];
}

function readRules(path: string): RulesFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the rules file ${path} (${(error as NodeJS.ErrnoException).code}): pass --rules ` +
        'with a Prometheus rules file, such as infra/monitoring/beats-gate.rules.yaml',
      { cause: error },
    );
  }
  const parsed = parse(text) as Partial<RulesFile> | null;
  if (!parsed || !Array.isArray(parsed.groups)) {
    throw new Error(`${path} is not a Prometheus rules file (no "groups" list)`);
  }
  return parsed as RulesFile;
}

/**
 * The rules file to load and each alert's effective `for`. With `forScale` 1 the shipped file is
 * used where it is; otherwise a scaled copy is written into `dir`.
 */
export function prepareRules(
  path: string,
  forScale: number,
  dir: string,
): { path: string; alerts: RuleSpec[] } {
  if (!(forScale > 0 && forScale <= 1)) {
    throw new RangeError(`forScale must be above 0 and at most 1, got ${forScale}`);
  }
  const rules = readRules(path);
  const alerts: RuleSpec[] = [];
  for (const group of rules.groups) {
    for (const rule of group.rules) {
      if (!rule.alert) continue;
      const seconds = rule.for ? Math.max(1, Math.round(durationSeconds(rule.for) * forScale)) : 0;
      if (rule.for) rule.for = `${seconds}s`;
      alerts.push({ alert: rule.alert, forSeconds: seconds });
    }
  }
  if (alerts.length === 0) throw new Error(`${path} holds no alerting rule`);
  if (forScale === 1) return { path, alerts };
  const scaled = join(dir, 'drill.rules.yaml');
  writeFileSync(scaled, stringify(rules));
  return { path: scaled, alerts };
}

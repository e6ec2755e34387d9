/**
 * The Prometheus Operator's PrometheusRule, generated from the plain rules file, so the two can
 * never hold different alerts:
 *
 *   node infra/monitoring/prometheus-rule.ts           write infra/k8s/monitoring/prometheusrule.yaml
 *   node infra/monitoring/prometheus-rule.ts --check   exit 1 when the committed file is stale
 *
 * tests/monitoring-rules.test.ts runs the check too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { parseDocument, stringify } from 'yaml';

const root = resolve(import.meta.dirname, '..', '..');
export const RULES_FILE = resolve(root, 'infra/monitoring/beats-gate.rules.yaml');
export const PROMETHEUS_RULE_FILE = resolve(root, 'infra/k8s/monitoring/prometheusrule.yaml');

export interface RuleGroup {
  name: string;
  rules: { alert?: string; record?: string; expr: string; [key: string]: unknown }[];
}

/** The groups of a Prometheus rules file; a YAML error names the file and line. */
export function parseRuleGroups(text: string, source: string): RuleGroup[] {
  const doc = parseDocument(text);
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw new Error(`${source}: ${problem.message}`);
  const { groups } = (doc.toJS() ?? {}) as { groups?: RuleGroup[] };
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new Error(`${source}: expected a top-level "groups:" list of rule groups`);
  }
  return groups;
}

const HEADER = `# GENERATED from infra/monitoring/beats-gate.rules.yaml by infra/monitoring/prometheus-rule.ts:
# edit that file and run \`node infra/monitoring/prometheus-rule.ts\`, never this one.
#
# For clusters running the Prometheus Operator (kube-prometheus-stack): the beats-gate alerts, in
# the unwrapper's namespace, with the label your Prometheus selects rules by (here the
# kube-prometheus-stack default, as podmonitor.yaml). Applied with the PodMonitor by
# \`kubectl apply -k infra/k8s/monitoring -n beats-gate\`.
`;

export async function renderPrometheusRule(rulesText: string): Promise<string> {
  const groups = parseRuleGroups(rulesText, relative(root, RULES_FILE));
  const rule = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'beats-gate',
      labels: { release: 'kube-prometheus-stack', 'app.kubernetes.io/part-of': 'beats-gate' },
    },
    spec: { groups },
  };
  // Prettier has the last word on layout, as for every YAML file in the repository.
  const options = await resolveConfig(PROMETHEUS_RULE_FILE);
  return format(HEADER + stringify(rule, { lineWidth: 0 }), { ...options, parser: 'yaml' });
}

const USAGE = `usage: node infra/monitoring/prometheus-rule.ts [--check]

Writes infra/k8s/monitoring/prometheusrule.yaml from infra/monitoring/beats-gate.rules.yaml.
  --check   write nothing; exit 1 when the committed file differs from what would be written
  --help    print this and exit`;

if (import.meta.main) {
  let values: { check?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { check: { type: 'boolean' }, help: { type: 'boolean' } },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const expected = await renderPrometheusRule(readFileSync(RULES_FILE, 'utf8'));
  const target = relative(root, PROMETHEUS_RULE_FILE);
  if (values.check) {
    const actual = readFileSync(PROMETHEUS_RULE_FILE, 'utf8');
    if (actual !== expected) {
      console.error(`${target} is stale: run node infra/monitoring/prometheus-rule.ts`);
      process.exit(1);
    }
    console.log(`${target} is up to date`);
  } else {
    writeFileSync(PROMETHEUS_RULE_FILE, expected);
    console.log(`wrote ${target}`);
  }
}

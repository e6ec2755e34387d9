/**
 * The alert rules with the real thing: Debian's promtool checks infra/monitoring/beats-gate.rules.yaml
 * and runs its unit tests (series that fire each alert, and series beside them that must not),
 * each alert is shown to be needed by those tests, and the PrometheusRule for the Prometheus
 * Operator is proven to be the same rules, generated from the file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, parseAllDocuments, stringify } from 'yaml';
import {
  parseRuleGroups,
  PROMETHEUS_RULE_FILE,
  renderPrometheusRule,
  RULES_FILE,
} from '../infra/monitoring/prometheus-rule.ts';
import { repoPath } from './infra/infra-files.ts';

const RULES_TEST_FILE = repoPath('infra/monitoring/beats-gate.rules.test.yaml');

function promtool(args: string[], cwd?: string) {
  const out = spawnSync('promtool', args, { encoding: 'utf8', cwd, timeout: 60_000 });
  if (out.error) throw out.error;
  return { status: out.status, output: out.stdout + out.stderr };
}

// CI installs promtool (.ci/run); elsewhere the suite says why it did not run.
const installed = spawnSync('promtool', ['--version']).status === 0;
const noPromtool =
  !installed && !process.env.CI && 'promtool is not installed (apt-get install prometheus)';

const noKubectl =
  spawnSync('kubectl', ['version', '--client']).status !== 0 && 'kubectl is not installed';

const rulesText = readFileSync(RULES_FILE, 'utf8');
const groups = parseRuleGroups(rulesText, 'beats-gate.rules.yaml');
const alerts = groups.flatMap((group) => group.rules.filter((rule) => rule.alert));

interface RulesTest {
  alert_rule_test: { alertname: string; exp_alerts: unknown[] }[];
}

describe('alert rules (infra/monitoring/beats-gate.rules.yaml)', () => {
  it('covers what should page an operator, each with a severity and a summary', () => {
    const names = alerts.map((rule) => rule.alert);
    assert.deepEqual(names, [
      'BeatsGateLogstashDown',
      'BeatsGateLogstashUnreachable',
      'BeatsGateUpgradesRefused',
      'BeatsGateAssertionKeyFailures',
      'BeatsGateDrainStuck',
      'BeatsGateAckLatencyHigh',
      'BeatsGateMemoryNearLimit',
      'BeatsGateUnwrapperDown',
      'BeatsGateProcessMemoryNearLimit',
      'BeatsGateHeapNearLimit',
      'BeatsGateClientHandshakesFailing',
      'BeatsGateClientCertificateExpiring',
    ]);
    for (const rule of alerts) {
      const labels = rule.labels as Record<string, string>;
      const annotations = rule.annotations as Record<string, string>;
      assert.match(labels.severity ?? '', /^(warning|critical)$/, rule.alert);
      assert.ok(annotations.summary && annotations.description, rule.alert);
    }
  });

  it('has a firing case and a quiet case in the promtool tests for every alert', () => {
    const tests = (parse(readFileSync(RULES_TEST_FILE, 'utf8')) as { tests: RulesTest[] }).tests;
    const checks = tests.flatMap((test) => test.alert_rule_test);
    for (const { alert } of alerts) {
      const own = checks.filter((check) => check.alertname === alert);
      assert.ok(
        own.some((check) => check.exp_alerts.length > 0),
        `${alert} never expected to fire`,
      );
      assert.ok(
        own.some((check) => check.exp_alerts.length === 0),
        `${alert} never expected quiet`,
      );
    }
  });

  describe('promtool', { skip: noPromtool }, () => {
    const work = mkdtempSync(join(tmpdir(), 'bg-rules-'));
    after(() => rmSync(work, { recursive: true, force: true }));

    it('checks the rules file', () => {
      const { status, output } = promtool(['check', 'rules', RULES_FILE]);
      assert.equal(status, 0, output);
      assert.match(output, new RegExp(`SUCCESS: ${alerts.length} rules found`));
    });

    it('passes the unit tests: each alert fires on its series and stays quiet on the others', () => {
      const { status, output } = promtool(['test', 'rules', RULES_TEST_FILE]);
      assert.equal(status, 0, output);
      assert.match(output, /SUCCESS/);
    });

    it('fails the unit tests when any one alert is missing (so every alert is exercised)', () => {
      copyFileSync(RULES_TEST_FILE, join(work, 'beats-gate.rules.test.yaml'));
      for (const { alert } of alerts) {
        const without = groups.map((group) => ({
          ...group,
          rules: group.rules.filter((rule) => rule.alert !== alert),
        }));
        writeFileSync(join(work, 'beats-gate.rules.yaml'), stringify({ groups: without }));
        const { status, output } = promtool(['test', 'rules', 'beats-gate.rules.test.yaml'], work);
        assert.notEqual(status, 0, `the tests pass without ${alert}`);
        assert.match(output, new RegExp(`alertname: ${alert}`));
      }
    });

    it('checks the PrometheusRule groups as a rules file', () => {
      const rule = parse(readFileSync(PROMETHEUS_RULE_FILE, 'utf8')) as { spec: unknown };
      const path = join(work, 'from-prometheusrule.yaml');
      writeFileSync(path, stringify(rule.spec));
      const { status, output } = promtool(['check', 'rules', path]);
      assert.equal(status, 0, output);
    });
  });
});

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as dashes. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replaceAll(' ', '-');
}

describe('docs/troubleshooting.md, "Alerts"', () => {
  it('has one section per alert, the one its runbook annotation links to', () => {
    const text = readFileSync(repoPath('docs/troubleshooting.md'), 'utf8');
    const start = text.indexOf('\n## Alerts\n');
    assert.ok(start >= 0, 'no "## Alerts" section');
    const end = text.indexOf('\n## ', start + 1);
    const section = text.slice(start, end === -1 ? undefined : end);
    const headings = [...section.matchAll(/^### (.+)$/gm)].map((match) => match[1]!);
    assert.deepEqual(
      headings,
      alerts.map((rule) => rule.alert),
    );
    for (const rule of alerts) {
      const { runbook } = rule.annotations as { runbook: string };
      assert.equal(runbook, `docs/troubleshooting.md#${anchorOf(rule.alert!)}`);
      assert.equal(text.match(new RegExp(`^#+ ${rule.alert}$`, 'gm'))?.length, 1, rule.alert);
    }
  });
});

describe('PrometheusRule (infra/k8s/monitoring/prometheusrule.yaml)', () => {
  it('holds exactly the groups of the rules file', () => {
    const rule = parse(readFileSync(PROMETHEUS_RULE_FILE, 'utf8')) as {
      apiVersion: string;
      kind: string;
      spec: { groups: unknown };
    };
    assert.equal(rule.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(rule.kind, 'PrometheusRule');
    assert.deepEqual(rule.spec.groups, groups);
  });

  it('is what the generator writes today (node infra/monitoring/prometheus-rule.ts)', async () => {
    assert.equal(
      readFileSync(PROMETHEUS_RULE_FILE, 'utf8'),
      await renderPrometheusRule(rulesText),
      'stale: run node infra/monitoring/prometheus-rule.ts',
    );
  });

  it('is applied with the PodMonitor by the monitoring kustomization', () => {
    const kustomization = parse(
      readFileSync(repoPath('infra/k8s/monitoring/kustomization.yaml'), 'utf8'),
    ) as { resources: string[] };
    assert.deepEqual(kustomization.resources.sort(), ['podmonitor.yaml', 'prometheusrule.yaml']);
  });

  it('renders with kubectl kustomize', { skip: noKubectl }, () => {
    const out = spawnSync('kubectl', ['kustomize', repoPath('infra/k8s/monitoring')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(out.status, 0, out.stderr);
    const kinds = parseAllDocuments(out.stdout).map((doc) => (doc.toJS() as { kind: string }).kind);
    assert.deepEqual(kinds.sort(), ['PodMonitor', 'PrometheusRule']);
  });
});

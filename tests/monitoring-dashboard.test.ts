/**
 * The Grafana dashboard and the alert rules against what the services really expose: the local
 * stack (client → edge in workerd → unwrapper in stamp mode → receiver) carries events, refuses an
 * upgrade and fails a client handshake, every /metrics is scraped, and each metric a dashboard
 * query or an alert expression names must be among the scraped ones. A real Prometheus (Debian's)
 * scrapes the same stack with the shipped rules: every dashboard query must answer with data
 * (but those on metrics this run cannot make) and every alert rule must evaluate without error.
 * promtool parses every dashboard query and checks the compose Prometheus config.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSender } from '@beats-gate/lumberjack';
import WebSocket from 'ws';
import { parse, stringify } from 'yaml';
import { parseRuleGroups, RULES_FILE } from '../infra/monitoring/prometheus-rule.ts';
import { metricNames } from '../infra/monitoring/promql-names.ts';
import { startPrometheus, type LocalPrometheus } from '../infra/monitoring/local-prometheus.ts';
import { repoPath } from './infra/infra-files.ts';
import {
  dumpLogsOnFailure,
  freePort,
  startTestStack,
  type StackFixture,
} from './support/stack-fixture.ts';

const DASHBOARD = 'infra/monitoring/grafana/beats-gate.dashboard.json';
/** The container's memory and limit come from the kubelet (cAdvisor), never from a service. */
const FROM_KUBELET = ['container_memory_working_set_bytes', 'container_spec_memory_limit_bytes'];
/** Series Prometheus writes itself for every target it scrapes. */
const FROM_PROMETHEUS = ['up'];

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string }[];
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync(repoPath(DASHBOARD), 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: string }[] };
};
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const queries = panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}"`, expr: target.expr })),
);
const alerts = parseRuleGroups(readFileSync(RULES_FILE, 'utf8'), RULES_FILE)
  .flatMap((group) => group.rules)
  .map((rule) => ({ where: `alert ${rule.alert ?? rule.record}`, expr: rule.expr }));

/** Grafana's interval macros as a Prometheus query would get them. */
function withGrafanaMacros(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h');
}

// CI installs Debian's prometheus package (.ci/run); elsewhere the suites say why they did not run.
const installed = (program: string) => spawnSync(program, ['--version']).status === 0;
const noPromtool =
  !installed('promtool') &&
  !process.env.CI &&
  'promtool is not installed (apt-get install prometheus)';
const noPrometheus =
  !installed('prometheus') &&
  !process.env.CI &&
  'prometheus is not installed (apt-get install prometheus)';

/** Metrics whose series this run cannot make, and why: a query on them may answer nothing. */
const QUIET_IN_THIS_RUN: Record<string, string> = {
  beats_gate_unwrapper_stream_rejections_total: 'every stream in the run is valid',
  beats_gate_unwrapper_upstream_connect_failures_total: 'Logstash stays up',
  beats_gate_unwrapper_window_drains_total: 'no unwrapper drains',
  beats_gate_client_connections_refused_total: 'backoff is too short to be seen by a connection',
};

describe('Grafana dashboard (infra/monitoring/grafana/beats-gate.dashboard.json)', () => {
  it('has unique panel ids and every query on the Prometheus data source variable', () => {
    const ids = panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length, 'duplicate panel ids');
    assert.deepEqual(
      dashboard.templating.list.map(({ name, type, query }) => ({ name, type, query })),
      [{ name: 'datasource', type: 'datasource', query: 'prometheus' }],
    );
    for (const panel of panels.filter((each) => each.type !== 'row')) {
      assert.deepEqual(panel.datasource, { type: 'prometheus', uid: '${datasource}' }, panel.title);
      assert.ok(panel.targets && panel.targets.length > 0, `${panel.title} has no query`);
    }
  });

  it('shows tunnels, throughput, refusals by reason, ack latency and stamp metering', () => {
    const rows = panels.filter((panel) => panel.type === 'row').map((panel) => panel.title);
    for (const row of ['Tunnels', 'Throughput', 'Refusals', 'Logstash', 'Stamp mode metering']) {
      assert.ok(rows.includes(row), `no row ${row}`);
    }
    const read = new Set(queries.flatMap(({ expr }) => [...metricNames(expr)]));
    for (const name of [
      'beats_gate_unwrapper_tunnels_active',
      'beats_gate_client_tunnels_active',
      'beats_gate_unwrapper_bytes_total',
      'beats_gate_unwrapper_events_total',
      'beats_gate_unwrapper_upgrades_total',
      'beats_gate_client_handshake_failures_total',
      'beats_gate_unwrapper_ack_latency_seconds_bucket',
      'beats_gate_unwrapper_upstream_connections_total',
      'beats_gate_unwrapper_claim_mismatches_total',
    ]) {
      assert.ok(read.has(name), `no panel reads ${name}`);
    }
  });

  describe('promtool', { skip: noPromtool }, () => {
    const work = mkdtempSync(join(tmpdir(), 'bg-dashboard-'));
    after(() => rmSync(work, { recursive: true, force: true }));

    it('parses every dashboard query', () => {
      // As recording rules, each query goes through Prometheus's own parser and checks.
      const rules = queries.map(({ expr }, index) => ({
        record: `beats_gate_dashboard:query_${index}`,
        expr: withGrafanaMacros(expr),
      }));
      const path = join(work, 'dashboard-queries.yaml');
      writeFileSync(path, stringify({ groups: [{ name: 'dashboard', rules }] }));
      const out = spawnSync('promtool', ['check', 'rules', path], { encoding: 'utf8' });
      assert.equal(out.status, 0, out.stdout + out.stderr);
      assert.match(out.stdout, new RegExp(`SUCCESS: ${queries.length} rules found`));
    });

    it('accepts the compose Prometheus config with the rules it loads', () => {
      const out = spawnSync('promtool', ['check', 'config', 'prometheus.yml'], {
        cwd: repoPath('infra/monitoring'),
        encoding: 'utf8',
      });
      assert.equal(out.status, 0, out.stdout + out.stderr);
      assert.match(out.stdout, /SUCCESS: 1 rule files found/);
    });
  });

  it('is provisioned in the compose demo from the folder the provisioning file names, on its Prometheus', () => {
    const provider = parse(
      readFileSync(
        repoPath('infra/monitoring/grafana/provisioning/dashboards/beats-gate.yaml'),
        'utf8',
      ),
    ) as { providers: { type: string; options: { path: string } }[] };
    assert.equal(provider.providers[0]?.type, 'file');
    const source = parse(
      readFileSync(
        repoPath('infra/monitoring/grafana/provisioning/datasources/prometheus.yaml'),
        'utf8',
      ),
    ) as { datasources: { type: string; url: string }[] };
    assert.deepEqual(
      source.datasources.map(({ type, url }) => ({ type, url })),
      [{ type: 'prometheus', url: 'http://prometheus:9090' }],
    );

    // The compose demo mounts what these files name where they expect it.
    const compose = parse(readFileSync(repoPath('infra/compose.yaml'), 'utf8')) as {
      services: Record<string, { volumes?: string[]; command?: string[] }>;
    };
    const mounts = (name: string) =>
      (compose.services[name]?.volumes ?? []).map((volume) => volume.split(':'));
    assert.deepEqual(mounts('grafana'), [
      ['./monitoring/grafana/provisioning', '/etc/grafana/provisioning', 'ro'],
      [
        `./${DASHBOARD.replace('infra/', '')}`,
        `${provider.providers[0]?.options.path}/beats-gate.dashboard.json`,
        'ro',
      ],
    ]);
    assert.deepEqual(mounts('prometheus'), [['./monitoring', '/etc/prometheus/beats-gate', 'ro']]);
    assert.deepEqual(compose.services.prometheus?.command, [
      '--config.file=/etc/prometheus/beats-gate/prometheus.yml',
    ]);
  });
});

/** Metric names in a scrape: each family's, with a histogram's series names, and those with samples. */
function readExposition(text: string) {
  const families = new Set<string>();
  const sampled = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/.exec(line);
    if (type) {
      const [, name, kind] = type as unknown as [string, string, string];
      families.add(name);
      if (kind === 'histogram' || kind === 'summary') {
        for (const suffix of ['_bucket', '_sum', '_count']) families.add(name + suffix);
      }
    } else if (line && !line.startsWith('#')) {
      sampled.add(/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0]);
    }
  }
  return { families, sampled };
}

describe('every dashboard query and alert against the running stack and a real Prometheus', () => {
  let fixture: StackFixture | undefined;
  let prometheus: LocalPrometheus | undefined;
  const work = mkdtempSync(join(tmpdir(), 'bg-prometheus-'));
  /** Until the run is set up, and after any failed test: the logs are printed at the end. */
  let passed = false;
  const scraped = { families: new Set<string>(), sampled: new Set<string>() };
  let unwrapperText = '';

  before(async () => {
    const clientAdmin = await freePort();
    fixture = await startTestStack(undefined, {
      subject: 'tenant-a-device',
      env: {
        unwrapper: { BEATS_GATE_UNWRAPPER_INSPECT: 'stamp' },
        client: {
          BEATS_GATE_CLIENT_ADMIN_LISTEN: `127.0.0.1:${clientAdmin}`,
          BEATS_GATE_CLIENT_METRICS: 'true',
        },
      },
    });
    const { ports } = fixture.stack;
    if (!noPrometheus) {
      prometheus = await startPrometheus({
        port: await freePort(),
        dir: work,
        // One job: Prometheus's discovery hands each job's targets over on its own 5 s beat.
        targets: { 'beats-gate': [`127.0.0.1:${ports.admin}`, `127.0.0.1:${clientAdmin}`] },
        ruleFiles: [RULES_FILE],
      });
    }

    // Events through the whole chain: tunnels, bytes, stamped windows, acks.
    // Bounded: a broken path fails the run instead of resending for ever.
    const sender = createSender({
      host: '127.0.0.1',
      port: ports.client,
      maxAttempts: 3,
      timeoutMs: 15_000,
    });
    try {
      const events = Array.from({ length: 500 }, (_, seq) => ({ message: `metered ${seq}`, seq }));
      assert.equal((await sender.send(events)).acked, events.length);
    } finally {
      sender.close();
    }

    // An upgrade that did not come through the edge: refused at origin (assertion_missing).
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${ports.unwrapper}/v1/tunnel`, {
        handshakeTimeout: 10_000,
      });
      socket.on('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        socket.terminate();
      });
      socket.on('open', () =>
        reject(new Error('the unwrapper accepted an upgrade without assertion')),
      );
      socket.on('error', reject);
    });
    assert.equal(status, 401);

    // With the edge gone, a Beats connection makes the client's handshake fail.
    await fixture.stack.stop('edge');
    const beat = connect(ports.client, '127.0.0.1');
    beat.on('error', () => {});
    const clientMetrics = `http://127.0.0.1:${clientAdmin}/metrics`;
    let clientText = '';
    for (let attempt = 0; !clientText.includes('beats_gate_client_handshake_failures_total{');) {
      if (++attempt > 300) assert.fail(`no failed handshake in the client metrics:\n${clientText}`);
      await sleep(100);
      clientText = await (await fetch(clientMetrics)).text();
    }
    beat.destroy();

    unwrapperText = await (await fetch(`http://127.0.0.1:${ports.admin}/metrics`)).text();
    for (const text of [unwrapperText, clientText]) {
      const { families, sampled } = readExposition(text);
      for (const name of families) scraped.families.add(name);
      for (const name of sampled) scraped.sampled.add(name);
    }

    // Two scrapes of each target since the last thing the run did, so every rate() has two
    // samples to work on (a target's first scrape can come seconds after Prometheus is ready).
    const lastAction = Date.now();
    for (let attempt = 0; prometheus; attempt++) {
      const since = Math.max(1, Date.now() - lastAction);
      const [scraped] = await prometheus.query(`count(count_over_time(up[${since}ms]) >= 2)`);
      if (Number(scraped?.value[1] ?? 0) === 2) break;
      if (attempt > 300) assert.fail('Prometheus did not scrape every target twice');
      await sleep(100);
    }
    passed = true;
  });
  afterEach((context) => {
    if ('passed' in context && !context.passed) passed = false;
  });
  after(async () => {
    dumpLogsOnFailure(fixture, passed);
    if (!passed && prometheus) process.stderr.write(prometheus.log.join('').slice(-5000));
    await prometheus?.close();
    await fixture?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('has series for what the run did: stamped events, acks, a refusal, a failed handshake', () => {
    for (const name of [
      'beats_gate_unwrapper_events_total',
      'beats_gate_unwrapper_ack_latency_seconds_bucket',
      'beats_gate_unwrapper_upgrades_total',
      'beats_gate_client_handshake_failures_total',
      'beats_gate_client_tunnels_opened_total',
    ]) {
      assert.ok(scraped.sampled.has(name), `no series of ${name}`);
    }
    assert.match(
      unwrapperText,
      /^beats_gate_unwrapper_events_total\{mode="stamp",upstream_group="\(default\)"\} 500$/m,
    );
    assert.match(
      unwrapperText,
      /^beats_gate_unwrapper_upgrades_total\{result="assertion_missing"\} 1$/m,
    );
  });

  it('exposes every metric the dashboard queries read', () => {
    for (const { where, expr } of queries) {
      for (const name of metricNames(withGrafanaMacros(expr))) {
        assert.ok(scraped.families.has(name), `${where} reads ${name}, which no service exposes`);
      }
    }
  });

  it("exposes every metric the alerts read, but the kubelet's and Prometheus's own", () => {
    for (const { where, expr } of alerts) {
      for (const name of metricNames(expr)) {
        if (FROM_KUBELET.includes(name) && where === 'alert BeatsGateMemoryNearLimit') continue;
        if (FROM_PROMETHEUS.includes(name)) continue;
        assert.ok(scraped.families.has(name), `${where} reads ${name}, which no service exposes`);
      }
    }
  });

  it('answers every dashboard query with data in Prometheus', { skip: noPrometheus }, async () => {
    for (const { where, expr } of queries) {
      const result = await prometheus!.query(withGrafanaMacros(expr));
      const quiet = [...metricNames(expr)].some((name) => QUIET_IN_THIS_RUN[name]);
      if (!quiet) assert.ok(result.length > 0, `${where}: no data for ${expr}`);
    }
  });

  it('evaluates every alert rule without error', { skip: noPrometheus }, async () => {
    let rules = await prometheus!.rules();
    for (let attempt = 0; rules.some((rule) => rule.lastEvaluation.startsWith('0001')); attempt++) {
      if (attempt > 100) assert.fail('Prometheus has not evaluated every rule');
      await sleep(100);
      rules = await prometheus!.rules();
    }
    assert.deepEqual(
      rules.map((rule) => rule.name).sort(),
      alerts.map((alert) => alert.where.replace('alert ', '')).sort(),
    );
    for (const rule of rules) assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError}`);
  });

  it('would notice a query on a metric nobody exposes', () => {
    assert.ok(!scraped.families.has('beats_gate_unwrapper_events_per_tenant_total'));
    assert.ok(!scraped.families.has(FROM_KUBELET[0]!));
  });
});

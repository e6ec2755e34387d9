/**
 * The drill's parts that decide its verdict, shown to fail when they should: a duplicate where the
 * docs allow none, more than the windows in flight, an expected alert that never fired or never
 * resolved, an alert nobody expected; the rules scaling; a killed receiver's cut line; the
 * HAProxy configuration, checked by HAProxy itself.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { AlertRecord } from '../drill/lib/alert-watch.ts';
import { readStoredEvents } from '../drill/lib/delivery.ts';
import type { Member } from '../drill/lib/fleet.ts';
import { renderHaproxyConfig } from '../drill/lib/haproxy.ts';
import { judgeAlerts, judgePhase } from '../drill/lib/judge.ts';
import { durationSeconds, prepareRules } from '../drill/lib/rules.ts';
import { checkScaleFits } from '../drill/lib/scale.ts';
import type { DeviceSnapshot } from '../drill/lib/snapshot.ts';
import { repoPath } from './infra/infra-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'bg-drill-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const device = (duplicates: number, connections: number): DeviceSnapshot => ({
  runId: 'd1',
  generated: 1000,
  acked: 1000,
  resends: 0,
  connections,
  duplicates,
});

describe('a fault judged against the docs', () => {
  const windowEvents = 3 * 50;
  it('allows no duplicate after a batch-boundary drain', () => {
    const problems: string[] = [];
    const before = new Map([['d1', device(0, 1)]]);
    const clean = judgePhase(
      'drain',
      before,
      new Map([['d1', device(0, 2)]]),
      { duplicatesAllowed: 'none', expectedAlerts: [], notes: [] },
      windowEvents,
      problems,
    );
    assert.deepEqual(problems, []);
    assert.equal(clean.reconnects, 1);
    judgePhase(
      'drain',
      before,
      new Map([['d1', device(1, 2)]]),
      { duplicatesAllowed: 'none', expectedAlerts: [], notes: [] },
      windowEvents,
      problems,
    );
    assert.match(problems[0]!, /drain: d1 got 1 duplicates, the docs allow 0/);
  });

  it('allows at most the windows in flight per cut connection after a crash', () => {
    const problems: string[] = [];
    const before = new Map([['d1', device(0, 1)]]);
    const crash = {
      duplicatesAllowed: 'windows-in-flight' as const,
      expectedAlerts: [],
      notes: [],
    };
    const phase = judgePhase(
      'crash',
      before,
      new Map([['d1', device(150, 2)]]),
      crash,
      windowEvents,
      problems,
    );
    assert.deepEqual(problems, []);
    assert.equal(phase.duplicatesBound, 150);
    judgePhase('crash', before, new Map([['d1', device(151, 2)]]), crash, windowEvents, problems);
    judgePhase('crash', before, new Map([['d1', device(1, 1)]]), crash, windowEvents, problems);
    assert.equal(problems.length, 2);
    assert.match(problems[1]!, /the docs allow 0 \(0 cut connections/);
  });
});

describe('alerts judged against the faults', () => {
  const record = (
    alertname: string,
    labels: Record<string, string>,
    fired: boolean,
    resolved: boolean,
  ): AlertRecord => ({
    alertname,
    labels,
    phase: 'receiver killed',
    pendingAt: 1,
    ...(fired ? { firedAt: 2 } : {}),
    ...(resolved ? { resolvedAt: 3 } : {}),
  });
  const expected = [
    { phase: 'receiver killed', alertname: 'BeatsGateLogstashDown', labels: { upstream: 'r2' } },
  ];

  it('passes an expected alert that fired and resolved, and one that was only pending', () => {
    const problems: string[] = [];
    judgeAlerts(
      [
        record('BeatsGateLogstashDown', { upstream: 'r2', instance: 'u1' }, true, true),
        record('BeatsGateDrainStuck', {}, false, true),
      ],
      expected,
      problems,
    );
    assert.deepEqual(problems, []);
  });

  it('fails one that never fired, one that never resolved, and one nobody expected', () => {
    const problems: string[] = [];
    judgeAlerts([], expected, problems);
    judgeAlerts(
      [record('BeatsGateLogstashDown', { upstream: 'r2' }, true, false)],
      expected,
      problems,
    );
    judgeAlerts(
      [
        record('BeatsGateLogstashDown', { upstream: 'r2' }, true, true),
        record('BeatsGateLogstashUnreachable', {}, true, true),
      ],
      expected,
      problems,
    );
    assert.equal(problems.length, 3);
    assert.match(problems[0]!, /never fired/);
    assert.match(problems[1]!, /fired but never resolved/);
    assert.match(
      problems[2]!,
      /BeatsGateLogstashUnreachable .* fired, no fault of the drill should raise it/,
    );
  });
});

describe('the rules the drill loads', () => {
  const shipped = repoPath('infra/monitoring/beats-gate.rules.yaml');

  it('uses the shipped file as is at scale 1', () => {
    const rules = prepareRules(shipped, 1, dir);
    assert.equal(rules.path, shipped);
    assert.ok(
      rules.alerts.some((a) => a.alert === 'BeatsGateLogstashDown' && a.forSeconds === 120),
    );
  });

  it('scales every `for` and nothing else in a copy', () => {
    const rules = prepareRules(shipped, 1 / 20, dir);
    assert.notEqual(rules.path, shipped);
    const original = parse(readFileSync(shipped, 'utf8')) as {
      groups: { rules: Record<string, unknown>[] }[];
    };
    const scaled = parse(readFileSync(rules.path, 'utf8')) as typeof original;
    original.groups.forEach((group, g) =>
      group.rules.forEach((rule, r) => {
        const copy = scaled.groups[g]!.rules[r]!;
        assert.deepEqual({ ...copy, for: undefined }, { ...rule, for: undefined });
        if (rule.for)
          assert.equal(
            durationSeconds(copy.for as string),
            Math.max(1, Math.round(durationSeconds(rule.for as string) / 20)),
          );
      }),
    );
  });

  it('names what is wrong with a file or a factor', () => {
    const notRules = join(dir, 'not-rules.yaml');
    writeFileSync(notRules, 'scrape_configs: []\n');
    assert.throws(
      () => prepareRules(notRules, 1, dir),
      /not-rules.yaml is not a Prometheus rules file \(no "groups" list\)/,
    );
    assert.throws(
      () => prepareRules(shipped, 2, dir),
      /forScale must be above 0 and at most 1, got 2/,
    );
    assert.throws(() => durationSeconds('2 minutes'), /unsupported duration "2 minutes"/);
    assert.throws(
      () => prepareRules(join(dir, 'absent.yaml'), 1, dir),
      /cannot read the rules file .*absent.yaml \(ENOENT\): pass --rules with a Prometheus rules file/,
    );
  });
});

describe("a killed receiver's file", () => {
  const member = (files: string[], killed: string[]): Member => ({
    name: 'receiver-1',
    port: 1,
    readyz: false,
    eventFiles: files,
    killedFiles: new Set(killed),
    spec: () => {
      throw new Error('not started here');
    },
  });
  const line = (seq: number) => JSON.stringify({ run: 'r', seq });

  it('counts its last line cut short by the kill apart, and any other unreadable line as a fault', async () => {
    const file = join(dir, 'receiver-1.1.ndjson');
    writeFileSync(file, `${line(0)}\n${line(1)}\n{"run":"r","se`);
    const killed = await readStoredEvents([member([file], [file])]);
    assert.equal(killed.byRun.get('r')!.length, 2);
    assert.deepEqual([killed.unreadable, killed.cutShort], [1, 1]);
    const alive = await readStoredEvents([member([file], [])]);
    assert.deepEqual([alive.unreadable, alive.cutShort], [1, 0]);
    writeFileSync(file, `${line(0)}\n{"run":\n${line(1)}\n${line(2)}\n`);
    const middle = await readStoredEvents([member([file], [file])]);
    assert.deepEqual([middle.unreadable, middle.cutShort], [1, 0]);
  });
});

describe('the HAProxy configuration', () => {
  const config = renderHaproxyConfig({
    dir,
    port: 18080,
    metricsPort: 18081,
    checkIntervalMs: 500,
    backends: [
      { name: 'unwrapper-1', port: 18082, adminPort: 18083 },
      { name: 'unwrapper-2', port: 18084, adminPort: 18085 },
    ],
  });
  const installed = spawnSync('haproxy', ['-v']).status === 0;

  it('sends tunnels to the least loaded ready unwrapper, checked on /readyz of its admin port', () => {
    assert.match(config, /balance leastconn/);
    assert.match(config, /http-check send meth GET uri \/readyz/);
    assert.match(config, /server unwrapper-2 127\.0\.0\.1:18084 check port 18085/);
  });

  it(
    'is valid for HAProxy itself (haproxy -c)',
    { skip: !installed && !process.env.CI && 'haproxy is not installed' },
    () => {
      const file = join(dir, 'haproxy.cfg');
      writeFileSync(file, config);
      const check = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stdout + check.stderr);
    },
  );
});

describe('the scale run', () => {
  it('refuses more tunnels than three unwrappers can hold under the open-files limit, naming the most that fit', () => {
    assert.throws(
      () => checkScaleFits(30_000, 3, 20_000),
      /30000 tunnels over 3 unwrappers need 20200 open files per unwrapper .* allows 20000 per process: use --tunnels 29700 or fewer/,
    );
    assert.doesNotThrow(() => checkScaleFits(29_700, 3, 20_000));
  });
});

/**
 * Keeps `npm run bench` from rotting: runs its smoke mode (every measurement with tiny sizes) and
 * checks that the JSON it writes has every figure docs/benchmarks.md describes. No timing is
 * asserted: speed belongs to the benchmark itself, not to a test.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BenchResults } from '../bench/lib/results.ts';

const root = resolve(import.meta.dirname, '..');

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function assertNumbers(where: string, object: object, keys: readonly string[]): void {
  for (const key of keys) {
    const value = (object as Record<string, unknown>)[key];
    assert.ok(isNumber(value), `${where}.${key} should be a finite number, got ${String(value)}`);
  }
}

function figures<T extends object>(name: string, outcome: T | undefined): T {
  assert.ok(outcome, `case ${name} is missing`);
  assert.ok(
    !('error' in outcome),
    `case ${name} failed: ${String((outcome as { error?: unknown }).error)}`,
  );
  return outcome;
}

/** The case each target's figure comes from (bench/lib/targets.ts), by the target's name. */
const CASE_OF_TARGET: [RegExp, keyof BenchResults['cases']][] = [
  [/^tunnel\/direct/, 'throughput'],
  [/^client CPU/, 'throughput'],
  [/ack latency/, 'latency'],
  [/memory per idle tunnel/, 'scale'],
  [/JWT verification/, 'edge'],
  [/websockify/, 'peer'],
  [/^stamp mode/, 'inspect'],
];

describe('npm run bench --smoke', () => {
  let dir: string;
  let results: BenchResults;
  let exitCode: number | null;
  let output = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bg-bench-smoke-'));
    const out = join(dir, 'results.json');
    // Linked like a part of npm start (dev/part-link.ts): if this test process dies (the runner's
    // timeout), the bench and every process it started stop too, instead of running on.
    const script = [join(root, 'bench/run.ts'), '--smoke', '--out', out];
    const child = spawn(process.execPath, ['--import', join(root, 'dev/part-link.ts'), ...script], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exitCode = await new Promise((done) => child.once('exit', (code) => done(code)));
    results = JSON.parse(await readFile(out, 'utf8')) as BenchResults;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('exits 0 and prints the table with the targets', () => {
    assert.equal(exitCode, 0, output);
    assert.match(output, /^Targets$/m);
    assert.match(output, /1\. Throughput/);
  });

  it('records the machine, the load and the sizes', () => {
    assert.equal(results.schema, 1);
    assert.equal(results.mode, 'smoke');
    assert.ok(!Number.isNaN(Date.parse(results.startedAt)));
    assert.equal(typeof results.machine.cpuModel, 'string');
    assertNumbers('machine', results.machine, ['cores', 'memoryGiB']);
    assert.equal(results.machine.loadAverageStart.length, 3);
    assert.equal(results.machine.loadAverageEnd?.length, 3);
    assertNumbers('sizes', results.sizes, ['throughputEvents', 'scaleTunnels', 'peerEvents']);
  });

  it('has throughput figures for both configurations and both paths', () => {
    const throughput = figures('throughput', results.cases.throughput);
    assert.ok(Array.isArray(throughput));
    assert.deepEqual(
      throughput.map((t) => t.config.name),
      ['filebeat-defaults', 'uncompressed'],
    );
    for (const t of throughput) {
      assertNumbers(t.config.name, t, ['ratio', 'cpuRatio', 'events']);
      for (const path of ['direct', 'tunnel'] as const) {
        assertNumbers(`${t.config.name}.${path}`, t[path], ['eventsPerSecond', 'wireMBPerSecond']);
        const parts = Object.keys(t[path].cpuSecondsPerMillion).sort();
        const expected =
          path === 'direct'
            ? ['receiver', 'sender']
            : ['client', 'edge', 'receiver', 'sender', 'unwrapper'];
        assert.deepEqual(parts, expected);
      }
    }
  });

  it("puts the floors in the tunnel's place: a Node relay always, socat or why not", () => {
    const throughput = figures('throughput', results.cases.throughput);
    assert.ok(Array.isArray(throughput));
    for (const t of throughput) {
      const ran = Object.keys(t.floors);
      assert.ok(ran.includes('node-relay'), `${t.config.name}: the Node relay did not run`);
      if (!ran.includes('socat'))
        assert.match(t.floorsSkipped.socat ?? '', /apt-get install socat/);
      for (const [name, floor] of Object.entries(t.floors)) {
        assertNumbers(`${t.config.name}.${name}`, floor, [
          'eventsPerSecond',
          'ratio',
          'tunnelRatio',
        ]);
        assert.deepEqual(
          Object.keys(floor.cpuSecondsPerMillion).sort(),
          [name, 'receiver', 'sender'].sort(),
        );
        // Every byte the sender wrote reached the receiver through the floor, as it did direct
        // (byte for byte uncompressed; compressed, sizes vary with each run's random id).
        if (t.config.compression === 0) {
          assert.equal(floor.wireBytes, t.direct.wireBytes, `${t.config.name} through ${name}`);
        } else assert.ok(floor.wireBytes > 0, `${t.config.name} through ${name}`);
      }
    }
    assert.match(output, /tunnel ÷ node-relay/);
  });

  it('has latency, scale and edge figures', () => {
    const latency = figures('latency', results.cases.latency);
    assertNumbers('latency', latency, ['addedP50Ms', 'addedP99Ms']);
    if (!('direct' in latency)) assert.fail('latency has no paths');
    assertNumbers('latency.direct', latency.direct, ['p50Ms', 'p99Ms']);
    assertNumbers('latency.tunnel', latency.tunnel, ['p50Ms', 'p99Ms']);

    const scale = figures('scale', results.cases.scale);
    if (!('tunnels' in scale)) assert.fail('scale has no figures');
    assertNumbers('scale', scale, ['unwrapperKiBPerTunnel', 'clientKiBPerTunnel', 'openSeconds']);
    assert.equal(scale.windowsAcked, scale.tunnels, 'every tunnel carries a window afterwards');

    const edge = figures('edge', results.cases.edge);
    if (!('verify' in edge)) assert.fail('edge has no figures');
    assert.deepEqual(Object.keys(edge.verify).sort(), ['ES256', 'EdDSA', 'RS256']);
    for (const v of Object.values(edge.verify)) assertNumbers('edge.verify', v, ['verifyMs']);
    assert.equal(edge.upgrades.failures, 0);
    assertNumbers('edge.upgrades', edge.upgrades, ['perSecond']);
  });

  it('compares with websockify, or says why it could not', () => {
    const peer = figures('peer', results.cases.peer);
    if ('skipped' in peer) {
      assert.match(peer.skipped, /websockify/);
      return;
    }
    assert.ok(Array.isArray(peer));
    for (const p of peer) {
      assertNumbers(p.config, p, ['capacityRatio', 'eventsPerSecondRatio']);
      assertNumbers(`${p.config}.websockify`, p.websockify, ['mbPerCpuSecond']);
      assert.ok(p.floors['node-relay'], `${p.config}: the Node relay floor did not run`);
      for (const [name, floor] of Object.entries(p.floors)) {
        assertNumbers(`${p.config}.${name}`, floor, ['eventsPerSecond']);
        assert.ok(name in p.unwrapperToFloor, `${p.config}: unwrapper not compared with ${name}`);
      }
    }
  });

  it('measures the Lumberjack-aware modes against the byte tunnel', () => {
    const inspect = figures('inspect', results.cases.inspect);
    if (!('modes' in inspect)) assert.fail('inspect has no figures');
    assert.deepEqual(
      inspect.modes.map((m) => m.mode),
      ['off', 'validate', 'stamp'],
    );
    for (const m of inspect.modes) {
      assertNumbers(m.mode, m, [
        'eventsPerSecond',
        'ratioToByteTunnel',
        'unwrapperCpuSecondsPerMillion',
        'pathCpuSecondsPerMillion',
      ]);
    }
    assert.equal(inspect.modes[0]!.ratioToByteTunnel, 1);
    // Decoding costs the unwrapper CPU the byte tunnel does not spend.
    assert.ok(
      inspect.modes[2]!.unwrapperCpuSecondsPerMillion >
        inspect.modes[0]!.unwrapperCpuSecondsPerMillion,
    );
  });

  it('checks every target, each with a verdict or a reason it has none', () => {
    assert.equal(results.targets.length, 11);
    for (const target of results.targets) {
      if (target.value !== null) {
        assertNumbers(target.name, target, ['value']);
        assert.equal(typeof target.pass, 'boolean', `${target.name} has a figure, no verdict`);
        continue;
      }
      assert.equal(target.pass, null, `${target.name} has a verdict without a figure`);
      const source = CASE_OF_TARGET.find(([pattern]) => pattern.test(target.name))?.[1];
      assert.ok(source, `${target.name} comes from no known case`);
      const outcome = results.cases[source] as object | undefined;
      assert.ok(
        outcome !== undefined && ('skipped' in outcome || 'error' in outcome),
        `${target.name} has no figure, and the ${source} case does not say why`,
      );
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../config/config-error.ts';
import { CheckFailure, checkStep, failed, passed, type CheckStep } from './check-step.ts';
import { formatCheckLine, runCheckCommand, runChecks } from './run-checks.ts';

function collect() {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    name: 'kit-test',
    lines,
    errors,
    write: (line: string) => lines.push(line),
    writeError: (text: string) => errors.push(text),
  };
}

describe('runChecks', () => {
  it('prints one line per step and passes when every step passes', async () => {
    const out = collect();
    const report = await runChecks(
      [checkStep('token', () => passed('a JWT')), checkStep('edge dns', () => passed('::1'))],
      out,
    );
    assert.deepEqual(report, { passed: ['token', 'edge dns'] });
    assert.equal(out.lines.length, 2);
    assert.match(out.lines[0]!, /^token \.+ OK {3}a JWT\n$/);
    assert.match(out.lines[1]!, /^edge dns \.+ OK {3}::1\n$/);
  });

  it('stops at the first failure: later steps are neither built nor run', async () => {
    const out = collect();
    const built: string[] = [];
    function* steps(): Generator<CheckStep> {
      built.push('a');
      yield checkStep('a', () => passed('fine'));
      built.push('b');
      yield checkStep('b', () => failed('refused', 'start it'));
      built.push('c');
      yield checkStep('c', () => passed('never'));
    }
    const report = await runChecks(steps(), out);
    assert.deepEqual(built, ['a', 'b']);
    assert.deepEqual(report.failed, { name: 'b', problem: 'refused', fix: 'start it' });
    assert.deepEqual(report.passed, ['a']);
    assert.match(out.lines.at(-1)!, /^b \.+ FAIL refused\. Fix: start it\n$/);
  });

  it("runs every step of the failed one's group, then stops", async () => {
    const out = collect();
    const ran: string[] = [];
    const step = (name: string, ok: boolean, group?: string) =>
      checkStep(
        name,
        () => {
          ran.push(name);
          return ok ? passed('open') : failed('refused', 'start it');
        },
        group,
      );
    const report = await runChecks(
      [
        step('keys', true),
        step('upstream a', false, 'upstreams'),
        step('upstream b', true, 'upstreams'),
        step('upstream c', false, 'upstreams'),
        step('after', true),
      ],
      out,
    );
    assert.deepEqual(ran, ['keys', 'upstream a', 'upstream b', 'upstream c']);
    assert.equal(report.failed?.name, 'upstream a');
    assert.deepEqual(report.passed, ['keys', 'upstream b']);
    assert.equal(out.lines.length, 4);
  });

  it('reports a thrown CheckFailure with its fix, and any other error as unexpected', async () => {
    const out = collect();
    const first = await runChecks(
      [
        checkStep('proxy', () => {
          throw new CheckFailure('407 from the proxy', 'check the proxy credentials');
        }),
      ],
      out,
    );
    assert.equal(first.failed?.fix, 'check the proxy credentials');
    const second = await runChecks(
      [
        checkStep('edge', () => {
          throw new TypeError('boom');
        }),
      ],
      out,
    );
    assert.equal(second.failed?.problem, 'unexpected error: boom');
  });

  it('fails a step that never answers at its deadline and aborts its signal', async () => {
    const out = collect();
    let aborted = false;
    const report = await runChecks(
      [
        checkStep('stuck', (signal) => {
          signal.addEventListener('abort', () => (aborted = true));
          return new Promise(() => {});
        }),
      ],
      { ...out, stepLimitMs: 20 },
    );
    assert.equal(report.failed?.name, 'stuck');
    assert.match(report.failed.problem, /no result within 20 ms/);
    assert.equal(aborted, true);
  });

  it("uses a step's own deadline over the runner's", async () => {
    const out = collect();
    const report = await runChecks(
      [{ name: 'slow', limitMs: 10, run: () => new Promise(() => {}) }],
      { ...out, stepLimitMs: 60_000 },
    );
    assert.match(report.failed?.problem ?? '', /no result within 10 ms/);
  });

  it('keeps a multi-line problem on one line', () => {
    const line = formatCheckLine('config', failed('a:\n  - first\n  - second', 'fix\nit'));
    assert.equal(line.split('\n').length, 2);
    assert.match(line, /FAIL a:; first; second\. Fix: fix; it\n$/);
  });
});

describe('runCheckCommand', () => {
  it('puts config first and exits 0 when every step passes', async () => {
    const out = collect();
    const code = await runCheckCommand({
      ...out,
      load: () => ({ kind: 'config', config: { upstreams: ['a:1'] } }),
      describe: (config) => `${config.upstreams.length} upstream`,
      steps: (config) => config.upstreams.map((name) => checkStep(name, () => passed('open'))),
    });
    assert.equal(code, 0);
    assert.match(out.lines[0]!, /^config \.+ OK {3}1 upstream\n$/);
    assert.match(out.lines[1]!, /^a:1 \.+ OK/);
  });

  it('exits 1 when a step fails, 2 with every problem when the configuration is invalid', async () => {
    const out = collect();
    const failing = await runCheckCommand({
      ...out,
      load: () => ({ kind: 'config', config: {} }),
      describe: () => 'loaded',
      steps: () => [checkStep('upstream', () => failed('refused', 'start Logstash'))],
    });
    assert.equal(failing, 1);
    const invalid = await runCheckCommand({
      ...out,
      load: () => {
        throw new ConfigError(['--url: required', '--listen: not a port']);
      },
      describe: () => 'unused',
      steps: () => [],
    });
    assert.equal(invalid, 2);
    assert.match(out.lines.at(-1)!, /^config \.+ FAIL --url: required; --listen: not a port/);
    assert.deepEqual(out.errors, [
      'kit-test: invalid configuration (2 problems):\n  - --url: required\n  - --listen: not a port\n',
    ]);
  });

  it('prints --help text as the service does and runs no step', async () => {
    const out = collect();
    const code = await runCheckCommand({
      ...out,
      load: () => ({ kind: 'print', text: 'usage\n' }),
      describe: () => 'unused',
      steps: () => {
        throw new Error('no step may be built');
      },
    });
    assert.equal(code, 0);
    assert.deepEqual(out.lines, ['usage\n']);
  });
});

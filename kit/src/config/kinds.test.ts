import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hideValue, showValue, type Kind } from './kind.ts';
import { bool, choice, file, hostPortList, int, level, list, secret, url } from './kinds.ts';

function value<T>(kind: Kind<T>, raw: unknown): T {
  const parsed = kind.parse(raw, showValue);
  assert.ok(parsed.ok, `${JSON.stringify(raw)}: ${parsed.ok ? '' : parsed.problem}`);
  return parsed.value;
}

function problem<T>(kind: Kind<T>, raw: unknown): string {
  const parsed = kind.parse(raw, showValue);
  assert.ok(!parsed.ok, `${JSON.stringify(raw)} was accepted`);
  return parsed.problem;
}

describe('kinds', () => {
  it('int: whole numbers within the bounds, from text or a number', () => {
    const kind = int({ min: 1, max: 100 });
    assert.equal(value(kind, ' 42 '), 42);
    assert.equal(value(kind, 7), 7);
    for (const raw of ['4.5', 4.5, '-1', '1e2', '', '0', 101, true]) {
      assert.match(problem(kind, raw), /expected an integer from 1 to 100/);
    }
    assert.equal(kind.bounds, '1–100');
  });

  it('bool: the usual spellings, from text or a boolean', () => {
    for (const raw of ['true', 'YES', 'on', '1', true]) assert.equal(value(bool, raw), true);
    for (const raw of ['false', 'no', 'Off', '0', false]) assert.equal(value(bool, raw), false);
    assert.match(problem(bool, 'maybe'), /expected true or false, got "maybe"/);
  });

  it('list and hostPortList: comma-separated text or an array', () => {
    assert.deepEqual(value(list(), ' a, b ,,c'), ['a', 'b', 'c']);
    assert.deepEqual(value(list(), ['a', 'b']), ['a', 'b']);
    assert.match(problem(list(), ' , '), /expected a comma-separated list/);
    assert.deepEqual(value(hostPortList(), 'a:1, [::1]:2'), [
      { host: 'a', port: 1 },
      { host: '::1', port: 2 },
    ]);
    assert.match(problem(hostPortList(), ['a:1', 'b:0']), /port 0 is outside 1-65535/);
  });

  it('url: allowed schemes, plain ones to loopback only, no credentials', () => {
    const kind = url({ protocols: ['wss:'], loopbackProtocols: ['ws:'] });
    assert.equal(value(kind, 'wss://edge.example/v1').href, 'wss://edge.example/v1');
    assert.equal(value(kind, 'ws://[::1]:8787/').host, '[::1]:8787');
    assert.match(
      problem(kind, 'ws://edge.example'),
      /must be wss:\/\/ or ws:\/\/ \(loopback only\)/,
    );
    assert.match(problem(kind, 'wss://u:p@edge.example'), /must not carry credentials/);
    assert.match(problem(kind, 'not a url'), /expected a URL/);
    assert.equal(
      value(url({ protocols: ['http:'], credentials: true }), 'http://u:p@proxy:3128').username,
      'u',
    );
  });

  it('choice and level: one of the listed values', () => {
    assert.equal(value(choice(['off', 'on']), 'on'), 'on');
    assert.match(problem(choice(['off', 'on']), 'loud'), /expected one of off, on, got "loud"/);
    assert.equal(value(level, 'silent'), 'silent');
    assert.equal(level.placeholder, '<level>');
  });

  it('file: checked at load; with read, its content too', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kit-kinds-')), 'ca.pem');
    writeFileSync(path, 'PEM');
    assert.equal(value(file(), path), path);
    assert.equal(value(file({ read: true }), path).content.toString(), 'PEM');
    assert.match(problem(file(), `${path}.missing`), /cannot read file ".*missing" \(ENOENT\)/);
  });

  it('secret: marked secret, and quoted only through the hiding show', () => {
    assert.equal(secret().secret, true);
    const parsed = int({ min: 1, max: 2 }).parse('s3cret', hideValue);
    assert.ok(!parsed.ok && !parsed.problem.includes('s3cret'));
  });
});

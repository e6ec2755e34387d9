import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from './config-error.ts';
import { loadCommand, loadOptions, type Env } from './load-options.ts';
import type { Options } from './options.ts';
import { TEST_COMMAND } from './test-command.ts';

const dir = mkdtempSync(join(tmpdir(), 'kit-load-options-'));
const SECRET = 'eyJhbGciOiJFUzI1NiJ9.do-not-print-me';
type TestOptions = Options<typeof TEST_COMMAND.options>;

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function load(argv: string[], env: Env = {}): TestOptions {
  const loaded = loadOptions(TEST_COMMAND, argv, env);
  assert.equal(loaded.kind, 'config');
  return loaded.config;
}

function problems(argv: string[], env: Env = {}): readonly string[] {
  try {
    load(argv, env).finish(null);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'ERR_CONFIG_INVALID');
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

function printed(argv: string[], env: Env = {}): Record<string, { value: unknown; from: string }> {
  const result = load(argv, env).finish(null);
  assert.equal(result.kind, 'print');
  return JSON.parse(result.text) as Record<string, { value: unknown; from: string }>;
}

describe('loadOptions', () => {
  it('takes flags over variables over the file over defaults, and knows where each came from', () => {
    const json = write(
      'p.json',
      JSON.stringify({ maxTunnels: 3, pingIntervalMs: 3000, claims: ['a', 'b'] }),
    );
    const options = load(['--config', json, '--max-tunnels', '5', '--verbose'], {
      BEATS_GATE_KIT_TEST_MAX_TUNNELS: '4',
      BEATS_GATE_KIT_TEST_PING_INTERVAL_MS: '4000',
      BEATS_GATE_KIT_TEST_LOG_LEVEL: '',
    });
    assert.equal(options.value('maxTunnels'), 5);
    assert.equal(options.where('maxTunnels'), '--max-tunnels');
    assert.equal(options.value('pingIntervalMs'), 4000);
    assert.equal(options.where('pingIntervalMs'), 'BEATS_GATE_KIT_TEST_PING_INTERVAL_MS');
    assert.deepEqual(options.value('claims'), ['a', 'b']);
    assert.equal(options.where('claims'), `file key "claims" in ${json}`);
    assert.equal(options.layer('claims'), 'file');
    assert.equal(options.value('verbose'), true);
    assert.equal(options.value('logLevel'), 'info', 'an empty variable counts as unset');
    assert.equal(options.layer('logLevel'), 'default');
    assert.equal(options.given('logLevel'), false);
    assert.equal(
      options.where('upstreams'),
      '--upstreams, BEATS_GATE_KIT_TEST_UPSTREAMS, file key "upstreams"',
    );
    assert.equal(options.value('upstreams'), undefined);
  });

  it('reads the same settings from a YAML file named by the variable', () => {
    const yaml = write('p.yaml', 'maxTunnels: 3\nupstreams: [a:1, "[::1]:2"]\nverbose: yes\n');
    const options = load([], { BEATS_GATE_KIT_TEST_CONFIG: yaml });
    assert.equal(options.value('maxTunnels'), 3);
    assert.deepEqual(options.value('upstreams'), [
      { host: 'a', port: 1 },
      { host: '::1', port: 2 },
    ]);
    assert.equal(options.value('verbose'), true);
  });

  it('reports every problem at once, each naming its source, never a secret', () => {
    const file = write('bad.yaml', `pingIntervalMs: often\nmaxTunels: 1\ntoken: [${SECRET}]\n`);
    const found = problems(
      [
        'a:1',
        SECRET,
        '--config',
        file,
        '--max-tunnels',
        '0',
        '--listen',
        'nowhere',
        '--bogus',
        SECRET,
      ],
      { BEATS_GATE_KIT_TEST_LOG_LEVEL: 'loud', BEATS_GATE_KIT_TEST_CLIENT_SECRET: ' ' },
    );
    const text = found.join('\n');
    for (const expected of [
      /^--max-tunnels: expected an integer from 1 to 100, got "0"$/m,
      /^--listen: expected host:port \(IPv6 in brackets\), got "nowhere"$/m,
      /^BEATS_GATE_KIT_TEST_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"$/m,
      /^BEATS_GATE_KIT_TEST_CLIENT_SECRET: expected a non-empty string$/m,
      /^file key "pingIntervalMs" in .*bad\.yaml: expected an integer from 1000 to 600000, got "often"$/m,
      /^file key "maxTunels" in .*bad\.yaml: not an option \(see --help\)$/m,
      /^file key "token" in .*bad\.yaml: expected a non-empty string$/m,
      /^unexpected argument\(s\): 1 \(see --help\)$/m,
      /^unknown option --bogus \(see --help\)$/m,
    ]) {
      assert.match(text, expected);
    }
    assert.equal(found.length, 9, text);
    assert.doesNotMatch(text, /do-not-print-me/);
    assert.deepEqual(problems(['--bogus=x']), ['unknown option --bogus (see --help)']);
  });

  it('names a secret option without its value even when the value is wrong', () => {
    const found = problems([], { BEATS_GATE_KIT_TEST_LISTEN: SECRET });
    assert.match(found.join(), /got "eyJ/, 'a non-secret option quotes its value');
    const hidden = problems([
      '--config',
      write('s.json', JSON.stringify({ token: { x: SECRET } })),
    ]);
    assert.doesNotMatch(hidden.join(), /do-not-print-me/);
  });

  it('takes the positional argument as its option, and wants required options', () => {
    assert.deepEqual(load(['127.0.0.1:5044']).value('target'), { host: '127.0.0.1', port: 5044 });
    assert.equal(load(['127.0.0.1:5044']).where('target'), 'argument <host:port>');
    assert.deepEqual(load([], { BEATS_GATE_KIT_TEST_TARGET: 'h:1' }).value('target'), {
      host: 'h',
      port: 1,
    });
    assert.match(
      problems(['--target', 'a:1', 'b:2']).join(),
      /the argument and --target both set target/,
    );
  });

  it("reads the file's entry list, each entry with its own settings and sources", () => {
    const file = write(
      'entries.yaml',
      [
        'listeners:',
        '  - { name: a, listen: "127.0.0.1:1" }',
        '  - { name: b, extra: 1 }',
        '  - nope',
      ].join('\n'),
    );
    const loaded = loadOptions(TEST_COMMAND, ['--config', file], {});
    assert.equal(loaded.kind, 'config');
    const { entries, problems: found } = loaded.config;
    assert.equal(entries?.length, 3);
    assert.deepEqual(entries?.[0]?.value('listen'), { host: '127.0.0.1', port: 1 });
    assert.equal(entries?.[1]?.value('listen'), undefined, 'entries get no defaults');
    assert.equal(entries?.[1]?.where('name'), `file key "listeners[1].name" in ${file}`);
    assert.deepEqual(found, [
      `file key "listeners[1].extra" in ${file}: not an option of a listener`,
      `file key "listeners[2]" in ${file}: expected an object`,
    ]);
  });

  it('prints the loaded options with their sources, secrets hidden, for --print-config', () => {
    const config = printed(['--print-config', '--token', SECRET, '--upstreams', 'a:1,b:2'], {
      BEATS_GATE_KIT_TEST_MAX_TUNNELS: '7',
    });
    assert.deepEqual(config.token, { value: '(hidden)', from: '--token' });
    assert.deepEqual(config.upstreams, { value: 'a:1,b:2', from: '--upstreams' });
    assert.deepEqual(config.maxTunnels, { value: 7, from: 'BEATS_GATE_KIT_TEST_MAX_TUNNELS' });
    assert.deepEqual(config.listen, { value: '127.0.0.1:5044', from: 'default' });
  });
});

describe('loadCommand', () => {
  it('builds the configuration from the options, then finishes with the problems of its rules', () => {
    const build = (options: TestOptions) => {
      if (options.value('verbose')) options.problems.push(`${options.where('verbose')}: not today`);
      return { tunnels: options.value('maxTunnels') };
    };
    assert.deepEqual(loadCommand(TEST_COMMAND, ['--max-tunnels', '3'], {}, build), {
      kind: 'config',
      config: { tunnels: 3 },
    });
    assert.throws(
      () => loadCommand(TEST_COMMAND, ['--verbose'], {}, build),
      (error: unknown) =>
        error instanceof ConfigError && error.problems.join() === '--verbose: not today',
    );
    assert.equal(loadCommand(TEST_COMMAND, ['--help'], {}, build).kind, 'print');
  });
});

describe('--help and --version', () => {
  // Read from the file, not through the import the command uses, so the two are compared.
  const { version } = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };

  it('come back as text to print, the same way', () => {
    for (const flag of ['--version', '-V']) {
      assert.deepEqual(loadOptions(TEST_COMMAND, [flag], {}), {
        kind: 'print',
        text: `${version}\n`,
      });
    }
    const help = loadOptions(TEST_COMMAND, ['--max-tunnels', 'x', '-h'], {});
    assert.equal(help.kind, 'print');
  });

  it('lists every flag and variable, wrapped at 80 columns', () => {
    const help = loadOptions(TEST_COMMAND, ['--help'], {});
    assert.ok(help.kind === 'print');
    for (const needle of [
      'Usage: kit-test [options] [host:port]',
      '--ping-interval-ms <ms>',
      '--verbose\n',
      'BEATS_GATE_KIT_TEST_PING_INTERVAL_MS',
      'BEATS_GATE_KIT_TEST_CLIENT_SECRET (file: clientSecret)',
      'BEATS_GATE_KIT_TEST_CONFIG',
      '--print-config',
      'default 127.0.0.1:5044',
      '1000–600000',
    ]) {
      assert.ok(help.text.includes(needle), needle);
    }
    assert.ok(!help.text.includes('--client-secret'), 'a noFlag option has no flag');
    const long = help.text.split('\n').filter((line) => line.length > 80);
    assert.deepEqual(long, []);
  });
});

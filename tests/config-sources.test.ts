/**
 * Issue 14's "done when" for configuration: every Node service and tool takes the same option by
 * flag, by variable, from a JSON file and from a YAML file, with flags over variables over the
 * file; and every CLI answers --version with its own package's version and exits 0.
 *
 * `--print-config` shows what the whole loader produced (the service's rules across options
 * included) and where each value came from; for the services that listen, the option is also
 * checked in effect: the process listens where the YAML file said.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { generateAssertionKey } from '@beats-gate/protocol';
import { repoPath } from './infra/infra-files.ts';
import { freePort } from './support/stack-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'config-sources-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const tokenFile = join(dir, 'token');
// JWT-shaped (the client refuses to start on a token file that is not a JWT), never verified here.
writeFileSync(
  tokenFile,
  'eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkIiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2lnbmF0dXJl',
);

interface Case {
  readonly bin: string;
  /** The option's key, flag, variable, and a value other than its default. */
  readonly key: string;
  readonly flag: string;
  readonly env: string;
  /** The variable naming the config file. */
  readonly configEnv: string;
  readonly value: number;
  /** What else the command needs to start. */
  readonly args: readonly string[];
  readonly vars?: Readonly<Record<string, string>>;
}

const CASES: readonly Case[] = [
  {
    bin: 'client/bin/beats-gate-client.ts',
    key: 'pingIntervalMs',
    flag: '--ping-interval-ms',
    env: 'BEATS_GATE_CLIENT_PING_INTERVAL_MS',
    configEnv: 'BEATS_GATE_CLIENT_CONFIG',
    value: 31_000,
    args: ['--url', 'ws://127.0.0.1:9/v1/tunnel', '--token-file', tokenFile],
  },
  {
    bin: 'unwrapper/bin/beats-gate-unwrapper.ts',
    key: 'maxTunnels',
    flag: '--max-tunnels',
    env: 'BEATS_GATE_UNWRAPPER_MAX_TUNNELS',
    configEnv: 'BEATS_GATE_UNWRAPPER_CONFIG',
    value: 77,
    args: ['--upstreams', '127.0.0.1:5044'],
    vars: { BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: generateAssertionKey('k') },
  },
  {
    bin: 'lumberjack/bin/beats-gate-receiver.ts',
    key: 'maxPendingBatches',
    flag: '--max-pending-batches',
    env: 'BEATS_GATE_RECEIVER_MAX_PENDING_BATCHES',
    configEnv: 'BEATS_GATE_RECEIVER_CONFIG',
    value: 9,
    args: ['--out', join(dir, 'events.ndjson')],
  },
  {
    bin: 'lumberjack/bin/beats-gate-send.ts',
    key: 'count',
    flag: '--count',
    env: 'BEATS_GATE_SEND_COUNT',
    configEnv: 'BEATS_GATE_SEND_CONFIG',
    value: 4321,
    args: ['127.0.0.1:5044'],
  },
];

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(bin: string, args: readonly string[], vars: Record<string, string> = {}) {
  return new Promise<Finished>((resolve) => {
    execFile(
      process.execPath,
      [repoPath(bin), ...args],
      { env: { PATH: process.env.PATH ?? '', ...vars }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}

type Printed = Record<string, { value: unknown; from: string }>;

async function printed(test: Case, args: readonly string[], vars: Record<string, string> = {}) {
  const result = await run(test.bin, [...test.args, ...args, '--print-config'], {
    ...test.vars,
    ...vars,
  });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Printed;
}

describe('the same option from every source', { timeout: 120_000 }, () => {
  for (const test of CASES) {
    it(`${test.bin}: ${test.key} by flag, variable, JSON file and YAML file`, async () => {
      const json = join(dir, `${test.key}.json`);
      const yaml = join(dir, `${test.key}.yaml`);
      writeFileSync(json, JSON.stringify({ [test.key]: test.value }));
      writeFileSync(yaml, `# ${test.bin}\n${test.key}: ${test.value}\n`);
      const value = String(test.value);
      const [byFlag, byEnv, byJson, byYaml, all] = await Promise.all([
        printed(test, [test.flag, value]),
        printed(test, [], { [test.env]: value }),
        printed(test, ['--config', json]),
        printed(test, [], { [test.configEnv]: yaml }),
        printed(test, ['--config', yaml, test.flag, String(test.value + 1)], {
          [test.env]: String(test.value + 2),
        }),
      ]);
      assert.deepEqual(byFlag[test.key], { value: test.value, from: test.flag });
      assert.deepEqual(byEnv[test.key], { value: test.value, from: test.env });
      assert.deepEqual(byJson[test.key], {
        value: test.value,
        from: `file key "${test.key}" in ${json}`,
      });
      assert.deepEqual(byYaml[test.key], {
        value: test.value,
        from: `file key "${test.key}" in ${yaml}`,
      });
      assert.deepEqual(all[test.key], { value: test.value + 1, from: test.flag }, 'a flag wins');
    });
  }
});

/** Starts a command and resolves once it logged `listening` (on stdout or stderr). */
function startListening(bin: string, args: readonly string[], vars: Record<string, string> = {}) {
  const child = spawn(process.execPath, [repoPath(bin), ...args], {
    env: { PATH: process.env.PATH ?? '', ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listening = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/"event":"listening"/.test(output)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${bin} exited (${code}):\n${output}`)));
  });
  return { child, listening };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('an option from a YAML file in effect', { timeout: 120_000 }, () => {
  const children: ReturnType<typeof spawn>[] = [];
  after(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  it('each service listens where its YAML file says, and the sender sends the count it says', async () => {
    const [clientPort, unwrapperPort, receiverPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const write = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const services = [
      startListening(
        'client/bin/beats-gate-client.ts',
        ['--config', write('client.yaml', `listen: 127.0.0.1:${clientPort}\n`)],
        {
          BEATS_GATE_CLIENT_URL: 'ws://127.0.0.1:9/v1/tunnel',
          BEATS_GATE_CLIENT_TOKEN_FILE: tokenFile,
        },
      ),
      startListening(
        'unwrapper/bin/beats-gate-unwrapper.ts',
        ['--admin-listen', '127.0.0.1:0', '--upstream-probe-interval-ms', '0'],
        {
          BEATS_GATE_UNWRAPPER_CONFIG: write(
            'unwrapper.yaml',
            `listen: 127.0.0.1:${unwrapperPort}\nupstreams: [127.0.0.1:${receiverPort}]\n`,
          ),
          BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: generateAssertionKey('k'),
        },
      ),
      startListening('lumberjack/bin/beats-gate-receiver.ts', [
        '--config',
        write(
          'receiver.yml',
          `listen: "127.0.0.1:${receiverPort}"\nout: ${join(dir, 'received.ndjson')}\n`,
        ),
      ]),
    ];
    children.push(...services.map((service) => service.child));
    await Promise.all(services.map((service) => service.listening));
    for (const port of [clientPort, unwrapperPort, receiverPort]) {
      assert.ok(await accepts(port), `nothing listens on ${port}`);
    }
    const sent = await run(
      'lumberjack/bin/beats-gate-send.ts',
      ['--json', `127.0.0.1:${receiverPort}`],
      { BEATS_GATE_SEND_CONFIG: write('send.yaml', 'count: 25\nbatch: 10\n') },
    );
    assert.equal(sent.code, 0, sent.stderr);
    const summary = JSON.parse(sent.stdout) as { count: number; acked: number };
    assert.deepEqual([summary.count, summary.acked], [25, 25]);
  });
});

describe('--version', () => {
  const version = (path: string) =>
    (JSON.parse(readFileSync(repoPath(path), 'utf8')) as { version: string }).version;
  const CLIS: readonly [bin: string, packageJson: string][] = [
    ['client/bin/beats-gate-client.ts', 'client/package.json'],
    ['unwrapper/bin/beats-gate-unwrapper.ts', 'unwrapper/package.json'],
    ['lumberjack/bin/beats-gate-receiver.ts', 'lumberjack/package.json'],
    ['lumberjack/bin/beats-gate-send.ts', 'lumberjack/package.json'],
    ['dev/start.ts', 'package.json'],
    ['dev/token.ts', 'package.json'],
    ['dev/send.ts', 'lumberjack/package.json'],
    ['dev/edge.ts', 'package.json'],
  ];

  it('every CLI prints its package version and exits 0', async () => {
    const results = await Promise.all(CLIS.map(([bin]) => run(bin, ['--version'])));
    CLIS.forEach(([bin, packageJson], index) => {
      const result = results[index]!;
      assert.equal(result.code, 0, `${bin}: ${result.stderr}`);
      assert.equal(result.stdout, `${version(packageJson)}\n`, bin);
    });
  });
});

/**
 * The `npm start` contract, through the real command as a child process on free ports: the banner
 * and `ready`, events sent with the banner's command landing in events.ndjson; `ready` only when
 * its own parts listen, and a second start on busy ports refused; a killed part restarted with
 * back-off, and one that keeps crashing stopping the stack; no part outliving the stack, whether
 * npm gets SIGTERM or npm start is killed outright. The tests through npm share one stack, in order.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it, type TestContext } from 'node:test';
import { within } from '@beats-gate/kit';
import { ensureDevKeys } from '../dev/dev-keys.ts';
import { startPart, waitReady } from '../dev/processes.ts';
import { planStack, type StackPorts } from '../dev/stack.ts';
import { freePorts } from './support/stack-fixture.ts';

const root = resolve(import.meta.dirname, '..');
/** Start-up bundles the worker and starts workerd: slow on a loaded 2-core machine. */
const START_LIMIT_MS = 90_000;
/** npm start's own stop takes up to 5 s; a part that lost its parent gets 5 s more. */
const STOP_LIMIT_MS = 20_000;

function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });
}

/** Alive and not a zombie (a zombie has exited; only its entry waits to be reaped). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Every process below `pid`, from /proc (Linux). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone while listing.
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const child of children.get(parent) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/** Polls `condition` until it holds; false once `limitMs` has passed. */
async function eventually(condition: () => Promise<boolean> | boolean, limitMs: number) {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** Runs a command to its end; its stderr goes to the test's. */
async function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(file, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout };
}

function portArgs(ports: StackPorts): string[] {
  return Object.entries(ports).flatMap(([name, port]) => [`--${name}-port`, String(port)]);
}

interface Launched {
  child: ChildProcess;
  output: string[];
  /**
   * Resolves with the first line matching `pattern` from output line `from` on; rejects when the
   * command exits first.
   */
  line(pattern: RegExp, from?: number): Promise<string>;
  exited: Promise<number | NodeJS.Signals>;
}

const dirs: string[] = [];
/** Every pid a test saw, killed at the end whatever happened, so a failure leaves nothing behind. */
const seen = new Set<number>();
after(async () => {
  for (const pid of seen) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function newDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bg-start-'));
  dirs.push(dir);
  return join(dir, '.dev');
}

/** `npm start -- args` (or `node dev/start.ts args`) with its output collected. */
function launch(how: 'npm' | 'node', args: string[], env: NodeJS.ProcessEnv = {}): Launched {
  const [file, argv] =
    how === 'npm'
      ? ['npm', ['start', '--', ...args]]
      : [process.execPath, [join(root, 'dev/start.ts'), ...args]];
  const child = spawn(file, argv, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  seen.add(child.pid!);
  const output: string[] = [];
  const waiters = new Set<{ pattern: RegExp; done: (line: string) => void }>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      for (const waiter of waiters) if (waiter.pattern.test(line)) waiter.done(line);
    });
  }
  const exited = new Promise<number | NodeJS.Signals>((done) =>
    child.once('exit', (code, signal) => done(signal ?? code ?? 0)),
  );
  return {
    child,
    output,
    exited,
    line(pattern, from = 0) {
      const already = output.slice(from).find((line) => pattern.test(line));
      if (already) return Promise.resolve(already);
      return new Promise((done, fail) => {
        const timer = setTimeout(
          () => fail(new Error(`no line matching ${pattern}`)),
          START_LIMIT_MS,
        );
        const waiter = {
          pattern,
          done: (line: string) => (clearTimeout(timer), waiters.delete(waiter), done(line)),
        };
        waiters.add(waiter);
        void exited.then((code) => {
          clearTimeout(timer);
          if (waiters.delete(waiter)) fail(new Error(`npm start exited (${code}) first`));
        });
      });
    },
  };
}

/** A part's pid, from the `pids:` line npm start prints before `ready`. */
function partPid(launched: Launched, part: string): number {
  const line = launched.output.find((text) => /\[stack\] +pids: /.test(text)) ?? '';
  const pid = Number(new RegExp(`\\b${part} (\\d+)`).exec(line)?.[1]);
  assert.ok(pid > 0, `no pid of the ${part} in: ${line}`);
  return pid;
}

/** The pids below `launched` once it is ready: npm start, its parts and what they started. */
function processTree(launched: Launched): number[] {
  const pids = descendants(launched.child.pid!);
  for (const pid of pids) seen.add(pid);
  return pids;
}

async function assertAllGone(pids: number[], ports: StackPorts): Promise<void> {
  const gone = await eventually(async () => {
    if (pids.some(alive)) return false;
    for (const port of Object.values(ports) as number[]) if (await listening(port)) return false;
    return true;
  }, STOP_LIMIT_MS);
  const left = pids.filter(alive);
  assert.ok(
    gone,
    `still running: ${left.join(', ') || 'none'}; ports: ${Object.values(ports).join(', ')}`,
  );
}

/** Shows what npm start printed when a test fails (on stderr outside a test). */
function onFailure(t: TestContext | undefined, launched: Launched) {
  return (error: unknown) => {
    const text = launched.output.join('\n').slice(-6000);
    if (t) t.diagnostic(text);
    else process.stderr.write(text + '\n');
    throw error;
  };
}

describe('npm start', () => {
  it('prints the banner and ready; its send command delivers; SIGKILLed, it leaves no part behind', async (t) => {
    const dir = await newDir();
    const ports = await freePorts();
    const start = launch('node', ['--dir', dir, ...portArgs(ports)]);
    await (async () => {
      await start.line(/\bready\b/);
      const text = start.output.join('\n');
      assert.match(text, new RegExp(`hosts: \\["127\\.0\\.0\\.1:${ports.client}"\\]`));
      assert.match(text, /output\.logstash/);

      // The banner's own command, as a developer would paste it: nothing else names the port.
      const command = /Send test events: (npm run send .*)$/m.exec(text)?.[1];
      assert.ok(command, 'the banner has a send command');
      assert.match(command, new RegExp(`127\\.0\\.0\\.1:${ports.client}\\b`));
      const sent = await run('sh', ['-c', command], {
        BEATS_GATE_DEV_CLIENT_PORT: undefined,
        BEATS_GATE_SEND_TARGET: undefined,
      });
      assert.equal(sent.code, 0, sent.stdout);
      assert.match(sent.stdout, /acked 10000\/10000/);
      const events = (await readFile(join(dir, 'events.ndjson'), 'utf8')).trim().split('\n');
      assert.equal(events.length, 10000);

      // No handler sees SIGKILL: each part notices its link to npm start close, and stops.
      const pids = processTree(start);
      assert.ok(pids.length >= 5, `npm start runs its four parts and workerd: ${pids.join(', ')}`);
      start.child.kill('SIGKILL');
      await assertAllGone(pids, ports);
    })().catch(onFailure(t, start));
  });

  it('counts a part ready only when it listens itself, not when its port answers', async (t) => {
    // Someone else answers on the receiver's port: the receiver cannot bind it and exits, and
    // npm start must say so instead of taking the other program's answer for its own.
    const holder = createServer((socket) => socket.destroy());
    await new Promise<void>((done) => holder.listen(0, '127.0.0.1', done));
    t.after(() => holder.close());
    const port = (holder.address() as AddressInfo).port;
    const dir = await newDir();
    const plan = planStack({ keys: await ensureDevKeys(dir), ports: { receiver: port } });
    const lines: string[] = [];
    const receiver = startPart(
      plan.parts.find((part) => part.name === 'receiver')!,
      (...line) => lines.push(line.join(' ')),
    );
    seen.add(receiver.child.pid!);
    await assert.rejects(
      waitReady(receiver, START_LIMIT_MS),
      new RegExp(`receiver exited \\(exit code 1\\) before listening on 127\\.0\\.0\\.1:${port}`),
      lines.join('\n'),
    );
  });
});

describe('npm start through npm', () => {
  let npm: Launched;
  let ports: StackPorts;
  let dir: string;
  before(async () => {
    ports = await freePorts();
    dir = await newDir();
    npm = launch('npm', ['--dir', dir, ...portArgs(ports)]);
    await npm.line(/\bready\b/).catch(onFailure(undefined, npm));
  });

  it('refuses a second start on its ports, naming the busy port and part, without ready', async (t) => {
    const second = launch('npm', ['--dir', await newDir(), ...portArgs(ports)]);
    const status = await within(second.exited, 'the second npm start to give up', START_LIMIT_MS);
    const text = second.output.join('\n');
    t.diagnostic(text);
    assert.notEqual(status, 0);
    assert.match(
      text,
      new RegExp(`cannot start:\\n  port ${ports.client} of the client is in use`),
    );
    assert.match(text, new RegExp(`port ${ports.edge} of the edge worker is in use`));
    assert.match(text, /--receiver-port/);
    assert.doesNotMatch(text, /\bready\b/);
  });

  it('restarts a part killed with SIGKILL, after a back-off, and the chain delivers again', async (t) => {
    await (async () => {
      const from = npm.output.length;
      const edge = partPid(npm, 'edge');
      process.kill(edge, 'SIGKILL');
      await npm.line(/edge exited \(signal SIGKILL\): restarting it in 250 ms \(crash 1 /, from);
      const back = await npm.line(/edge restarted \(pid \d+\) and listening again/, from);
      assert.doesNotMatch(back, new RegExp(`pid ${edge}\\b`));
      processTree(npm);

      const sent = await run('npm', [
        'run',
        'send',
        '--',
        '--target',
        `127.0.0.1:${ports.client}`,
        '--count',
        '1000',
      ]);
      assert.equal(sent.code, 0, sent.stdout);
      assert.match(sent.stdout, /acked 1000\/1000/);
      const events = (await readFile(join(dir, 'events.ndjson'), 'utf8')).trim().split('\n');
      assert.equal(events.length, 1000);
    })().catch(onFailure(t, npm));
  });

  it('stops every part when npm gets SIGTERM, and frees every port', async (t) => {
    const pids = processTree(npm);
    assert.ok(pids.length >= 5, `npm start runs its four parts and workerd: ${pids.join(', ')}`);
    npm.child.kill('SIGTERM');
    await assertAllGone(pids, ports).catch(onFailure(t, npm));
  });
});

describe('npm start with a part that keeps crashing', () => {
  it('restarts it with a doubling delay, then gives up and stops every part', async (t) => {
    const ports = await freePorts();
    const start = launch('node', ['--dir', await newDir(), ...portArgs(ports)]);
    await (async () => {
      await start.line(/\bready\b/);
      const pids = processTree(start);
      let receiver = partPid(start, 'receiver');
      for (const [crash, delay] of [
        [1, 250],
        [2, 500],
        [3, 1000],
        [4, 2000],
      ]) {
        const from = start.output.length;
        process.kill(receiver, 'SIGKILL');
        await start.line(
          new RegExp(
            `receiver exited \\(signal SIGKILL\\): restarting it in ${delay} ms \\(crash ${crash} within 60 s`,
          ),
          from,
        );
        const back = await start.line(/receiver restarted \(pid (\d+)\)/, from);
        receiver = Number(/pid (\d+)/.exec(back)![1]);
        seen.add(receiver);
      }
      process.kill(receiver, 'SIGKILL');
      await start.line(/receiver exited \(signal SIGKILL\), its crash 5 within 60 s: giving up/);
      await start.line(/receiver keeps crashing: stopping every part/);
      assert.equal(await within(start.exited, 'npm start to stop', STOP_LIMIT_MS), 1);
      await assertAllGone(pids, ports);
    })().catch(onFailure(t, start));
  });
});

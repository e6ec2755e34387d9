/**
 * The benchmark's own child processes (receiver with a null sink, sender) and how to talk to them:
 * JSON lines on stdout, commands on stdin. Each part runs in its own process so its CPU and memory
 * can be read from /proc like any other part's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AssertionStamp, StampTarget } from './assertion-stamp.ts';

const procs = join(import.meta.dirname, '..', 'procs');

export interface ReceiverStats {
  open: number;
  accepted: number;
  closed: number;
  bytesInClosed: number;
  events: number;
  batches: number;
}

export interface ReceiverProcess {
  pid: number;
  port: number;
  stats(): Promise<ReceiverStats>;
  /** Polls until `done(stats)` holds or `timeoutMs` passes; returns the last stats. */
  waitFor(done: (stats: ReceiverStats) => boolean, timeoutMs: number): Promise<ReceiverStats>;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startReceiver(port = 0): Promise<ReceiverProcess> {
  const child = spawn(process.execPath, [join(procs, 'receiver.ts'), String(port)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  let gone: Error | undefined;
  lines.on('line', (line) => waiting.shift()?.resolve(line));
  child.once('exit', (code) => {
    gone = new Error(`bench receiver exited (${code})`);
    for (const waiter of waiting.splice(0)) waiter.reject(gone);
  });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      if (gone) reject(gone);
      else waiting.push({ resolve, reject });
    });
  const listening = JSON.parse(await nextLine()) as { port: number };
  const receiver: ReceiverProcess = {
    pid: child.pid!,
    port: listening.port,
    async stats() {
      const line = nextLine();
      child.stdin.write('stats\n');
      return JSON.parse(await line) as ReceiverStats;
    },
    async waitFor(done, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let stats = await receiver.stats();
      while (!done(stats) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        stats = await receiver.stats();
      }
      return stats;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
  return receiver;
}

export interface SenderJob {
  host: string;
  port: number;
  count: number;
  batch: number;
  compression: number;
  pipelining: number;
  runId: string;
}

export interface SenderOutcome {
  acked: number;
  sent: number;
  resends: number;
  connections: number;
  durationMs: number;
  cpuSeconds: number;
  error?: string;
}

/** Runs one sender process to completion; its pid is passed to `onStart` for CPU metering. */
export async function runSender(
  job: SenderJob,
  onStart?: (pid: number) => void,
): Promise<SenderOutcome> {
  const child = spawn(process.execPath, [join(procs, 'sender.ts'), JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onStart?.(child.pid!);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await exited(child);
  const line = output.trim().split('\n').pop() ?? '';
  if (!line) throw new Error(`bench sender printed nothing (exit ${child.exitCode})`);
  return JSON.parse(line) as SenderOutcome;
}

/** The assertion stamp in its own process (procs/stamp.ts). */
export async function startStampProcess(): Promise<AssertionStamp & { pid: number }> {
  const child = spawn(process.execPath, [join(procs, 'stamp.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      waiting.push(resolve);
      if (child.exitCode !== null) reject(new Error('the stamp process exited'));
    });
  const first = nextLine();
  child.once('exit', (code) => {
    for (const waiter of waiting.splice(0)) waiter(JSON.stringify({ exited: code }));
  });
  const listening = JSON.parse(await first) as { port?: number; exited?: number };
  if (listening.port === undefined)
    throw new Error(`the stamp process exited (${listening.exited})`);
  return {
    pid: child.pid!,
    port: listening.port,
    async setTarget(target: StampTarget) {
      const answer = nextLine();
      child.stdin.write(`${JSON.stringify(target)}\n`);
      if ((await answer) !== 'ok') throw new Error('the stamp process did not take the target');
    },
    async close() {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

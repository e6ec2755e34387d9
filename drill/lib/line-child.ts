/**
 * A helper process of the drill that takes one command per stdin line and answers each with one
 * JSON line on stdout, in order (procs/devices.ts, procs/probes.ts). Its stderr is the drill's.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface LineChild {
  pid: number;
  /** Sends one command; resolves with its answer, rejects if the process exits first. */
  ask<T>(command: string): Promise<T>;
  /** SIGTERM, unless it has exited already. */
  kill(): void;
}

export function startLineChild(script: string, args: string[]): LineChild {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  let gone: Error | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(line));
  child.once('exit', (code, signal) => {
    gone = new Error(`${script} exited (${signal ?? code})`);
    for (const waiter of waiting.splice(0)) waiter.reject(gone);
  });
  return {
    pid: child.pid!,
    async ask<T>(command: string): Promise<T> {
      const line = new Promise<string>((resolve, reject) => {
        if (gone) reject(gone);
        else waiting.push({ resolve, reject });
      });
      child.stdin.write(`${command}\n`);
      return JSON.parse(await line) as T;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

/**
 * The drill's devices: groups of continuous senders (procs/devices.ts), one process per group so
 * their sockets and CPU are spread like a fleet's, each group behind its own client process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { within } from '@beats-gate/kit';

export interface DeviceJob {
  /** The client listener the group's devices connect to. */
  port: number;
  /** One run id per device: its events carry it, so delivery is checked per device. */
  runIds: string[];
  ratePerSecond: number;
  batchSize: number;
  pipelining: number;
}

export interface DeviceProgress {
  runId: string;
  /** Events handed to the sender: seq 0 … generated - 1. */
  generated: number;
  /** Events Logstash (the receiver) acknowledged, each once. */
  acked: number;
  resends: number;
  connections: number;
  /** The sender's error code, when it gave up (it never should). */
  error?: string;
}

export interface DeviceGroup {
  pid: number;
  progress(): Promise<DeviceProgress[]>;
  /** Stops generating and resolves once every event generated is acknowledged. */
  stop(timeoutMs: number): Promise<DeviceProgress[]>;
  kill(): void;
}

const script = join(import.meta.dirname, '..', 'procs', 'devices.ts');

export function startDeviceGroup(job: DeviceJob): DeviceGroup {
  const child: ChildProcess = spawn(process.execPath, [script, JSON.stringify(job)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  let gone: Error | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => waiting.shift()?.resolve(line));
  child.once('exit', (code, signal) => {
    gone = new Error(`the device group exited (${signal ?? code})`);
    for (const waiter of waiting.splice(0)) waiter.reject(gone);
  });
  const ask = async (command: string): Promise<DeviceProgress[]> => {
    const line = new Promise<string>((resolve, reject) => {
      if (gone) reject(gone);
      else waiting.push({ resolve, reject });
    });
    child.stdin!.write(`${command}\n`);
    return JSON.parse(await line) as DeviceProgress[];
  };
  return {
    pid: child.pid!,
    progress: () => ask('progress'),
    stop: (timeoutMs) =>
      within(
        ask('stop'),
        `${job.runIds.length} devices to get every event acknowledged`,
        timeoutMs,
      ),
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

/** Every group's devices, in one list. */
export async function fleetProgress(groups: readonly DeviceGroup[]): Promise<DeviceProgress[]> {
  return (await Promise.all(groups.map((group) => group.progress()))).flat();
}

/**
 * The drill's devices: groups of continuous senders (procs/devices.ts), one process per group so
 * their sockets and CPU are spread like a fleet's, each group behind its own client process.
 */
import { join } from 'node:path';
import { within } from '@beats-gate/kit';
import { startLineChild } from './line-child.ts';

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
  const child = startLineChild(script, [JSON.stringify(job)]);
  return {
    pid: child.pid,
    progress: () => child.ask<DeviceProgress[]>('progress'),
    stop: (timeoutMs) =>
      within(
        child.ask<DeviceProgress[]>('stop'),
        `${job.runIds.length} devices to get every event acknowledged`,
        timeoutMs,
      ),
    kill: () => child.kill(),
  };
}

/** Every group's devices, in one list. */
export async function fleetProgress(groups: readonly DeviceGroup[]): Promise<DeviceProgress[]> {
  return (await Promise.all(groups.map((group) => group.progress()))).flat();
}

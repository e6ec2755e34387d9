/** The machine a run measured on: figures mean little without it. */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { round } from './stats.ts';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  /** os.loadavg() (1, 5, 15 minutes) when the run started and when it ended. */
  loadAverageStart: number[];
  loadAverageEnd?: number[];
}

export function describeMachine(): MachineInfo {
  let cpuModel = 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) cpuModel = match[1].trim();
  } catch {
    // Not Linux: the model stays unknown.
  }
  return {
    cpuModel,
    cores: availableParallelism(),
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverageStart: loadavg().map((v) => round(v, 2)),
  };
}

export function currentLoad(): number[] {
  return loadavg().map((v) => round(v, 2));
}

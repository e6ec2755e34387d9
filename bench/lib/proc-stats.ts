/**
 * CPU time and resident memory of other processes, read from /proc (Linux). CPU is counted for a
 * process and all its descendants, because the edge's workerd runs as a child of its Node launcher.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on every Linux this runs on (getconf CLK_TCK).

function readStat(pid: number): { ppid: number; cpuTicks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    // utime, stime, and cutime, cstime: the CPU of children it has reaped, so short-lived
    // workers (websockify forks one per connection) are still counted once they are gone.
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return { ppid, cpuTicks: ticks };
  } catch {
    return undefined;
  }
}

/** The pid and every descendant pid alive now. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    out.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return out;
}

/** User + system CPU seconds of the processes (those that still exist) and their reaped children. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += readStat(pid)?.cpuTicks ?? 0;
  return ticks / TICKS_PER_SECOND;
}

/** Resident set size in bytes (VmRSS), or NaN when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Samples CPU seconds of named process trees before and after a run. The tree is read again at
 * each sample, so processes started or reaped during the run are counted.
 */
export function createCpuMeter(parts: Readonly<Record<string, number>>) {
  const read = () =>
    Object.fromEntries(
      Object.entries(parts).map(([name, pid]) => [name, cpuSeconds(processTree(pid))]),
    );
  const start = read();
  return {
    /** CPU seconds each part used since the meter was created. */
    stop(): Record<string, number> {
      const end = read();
      return Object.fromEntries(
        Object.entries(end).map(([name, value]) => [name, value - (start[name] ?? 0)]),
      );
    },
  };
}

/**
 * The open-files limit the scale case needs. Raised on this process with prlimit(1), so every
 * child started afterwards inherits it; a clear error where it cannot be raised.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface FileLimit {
  soft: number;
  hard: number;
}

export function readFileLimit(pid: number | 'self' = 'self'): FileLimit {
  const text = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  const parse = (value: string | undefined) =>
    value === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(value);
  return { soft: parse(match?.[1]), hard: parse(match?.[2]) };
}

/** Makes sure this process (and children started later) may open `needed` files. */
export function ensureFileLimit(needed: number): FileLimit {
  const current = readFileLimit();
  if (current.soft >= needed) return current;
  const hard = Math.max(current.hard, needed);
  try {
    execFileSync('prlimit', [`--pid=${process.pid}`, `--nofile=${needed}:${hard}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(
      `the scale case needs ${needed} open files per process but the limit is ` +
        `${current.soft} (hard ${current.hard}) and cannot be raised here` +
        `${stderr ? ` (prlimit: ${stderr})` : ''}. Raise it first, for example ` +
        `\`ulimit -n ${needed}\` as root or LimitNOFILE in the service unit, or run fewer tunnels.`,
      { cause: error },
    );
  }
  const after = readFileLimit();
  if (after.soft < needed) {
    throw new Error(`prlimit ran but the open-files limit is still ${after.soft} < ${needed}`);
  }
  return after;
}

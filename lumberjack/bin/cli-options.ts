// Argument parsers shared by the commands: each names the flag and what it expected.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };
}

/** Reads a PEM file named by a flag, with an error that names the flag instead of a stack. */
export function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new Error(`${flag} ${path}: cannot read the file (${code})`, { cause: err });
  }
}

/** Exit codes shared by both commands. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

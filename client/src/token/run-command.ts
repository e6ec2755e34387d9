/**
 * Runs a token command: its stdout is the token, its stderr (redacted, the last 512 bytes) says
 * why it failed. One deadline covers it all, from spawn to the token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ClientError } from '../errors.ts';
import { redactOutput } from './redact-output.ts';

export interface RunOptions {
  readonly timeoutMs: number;
  /** Larger output is refused: a token is a few KiB. */
  readonly maxStdoutBytes?: number;
  /** How much of stderr a failure quotes, after redaction. */
  readonly stderrBytes?: number;
}

const MAX_STDOUT = 64 * 1024;
const STDERR_BYTES = 512;
/** Kept before redacting, so that a secret at the edge of the quoted tail is still whole. */
const STDERR_KEPT = 4096;

function spawnCommand(command: string | readonly string[]): ChildProcess {
  const [file, args, shell] =
    typeof command === 'string'
      ? process.platform === 'win32'
        ? [command, [], true]
        : ['/bin/sh', ['-c', command], false]
      : [command[0] ?? '', command.slice(1), false];
  return spawn(file, args, { shell, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Keeps the last `limit` bytes of a stream. */
function tail(limit: number) {
  let kept = Buffer.alloc(0);
  return {
    push(chunk: Buffer) {
      kept = Buffer.concat([kept, chunk]);
      if (kept.length > limit) kept = kept.subarray(kept.length - limit);
    },
    get bytes() {
      return kept;
    },
  };
}

export function runTokenCommand(
  command: string | readonly string[],
  options: RunOptions,
): Promise<string> {
  const maxStdout = options.maxStdoutBytes ?? MAX_STDOUT;
  return new Promise((resolve, reject) => {
    const child = spawnCommand(command);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    const stderr = tail(STDERR_KEPT);
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;

    function fail(reason: string) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const said = redactOutput(stderr.bytes, options.stderrBytes ?? STDERR_BYTES);
      // No `cause`: it would repeat the command line, which may hold a secret.
      reject(
        new ClientError(
          'ERR_TOKEN_COMMAND',
          `token command ${reason}${said ? `; stderr: ${said}` : ''}`,
        ),
      );
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`timed out after ${options.timeoutMs} ms`);
    }, options.timeoutMs);

    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxStdout) {
        child.kill('SIGKILL');
        fail(`printed more than ${maxStdout} bytes`);
        return;
      }
      stdout.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', (error: NodeJS.ErrnoException) =>
      fail(`could not start: ${error.code ?? error.message}`),
    );
    child.once('exit', (code, signal) => (exit = { code, signal }));
    child.once('close', () => {
      if (settled || exit === undefined) return;
      if (exit.code === 0) {
        settled = true;
        clearTimeout(timer);
        resolve(Buffer.concat(stdout).toString('utf8'));
      } else {
        fail(exit.signal ? `failed: killed by ${exit.signal}` : `failed: exit status ${exit.code}`);
      }
    });
  });
}

/**
 * Runs a token command: its stdout is the token, its stderr (redacted, the last 512 bytes) says
 * why it failed. One deadline covers it all, from spawn to the token: a command that ignores
 * SIGTERM, or leaves a child holding its output open, cannot hold a Beats connection past it.
 *
 * The command runs in a process group of its own, and on the deadline the whole group gets
 * SIGKILL at once. Not SIGTERM first: a credential helper past its deadline is stuck, its output
 * would be thrown away anyway, and a second, later signal would go to a group id that may have
 * been freed and reused by then. At the deadline the group still holds the command or the child
 * that keeps its output open, so its id is still ours.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ClientError } from '../errors.ts';
import { redactOutput } from './redact-output.ts';

export interface RunOptions {
  readonly timeoutMs: number;
  /** Gives the run up and kills its group (the client is stopping). */
  readonly signal?: AbortSignal;
  /** Larger output is refused: a token is a few KiB. */
  readonly maxStdoutBytes?: number;
  /** How much of stderr a failure quotes, after redaction. */
  readonly stderrBytes?: number;
}

const MAX_STDOUT = 64 * 1024;
const STDERR_BYTES = 512;
/** Kept before redacting, so that a secret at the edge of the quoted tail is still whole. */
const STDERR_KEPT = 4096;
const WINDOWS = process.platform === 'win32';

function spawnCommand(command: string | readonly string[]): ChildProcess {
  const [file, args, shell] =
    typeof command === 'string'
      ? WINDOWS
        ? [command, [], true]
        : ['/bin/sh', ['-c', command], false]
      : [command[0] ?? '', command.slice(1), false];
  return spawn(file, args, {
    shell,
    windowsHide: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so the deadline reaches every process it started.
    detached: !WINDOWS,
  });
}

/** SIGKILL to the command's whole process group (its process tree on Windows). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  if (WINDOWS) {
    spawn('taskkill', ['/pid', String(child.pid), '/T', '/F'], {
      windowsHide: true,
      stdio: 'ignore',
    }).on('error', () => child.kill('SIGKILL'));
    return;
  }
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already.
  }
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

type Exit = { code: number | null; signal: NodeJS.Signals | null };

function describeExit(exit: Exit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit status ${exit.code}`;
}

export function runTokenCommand(
  command: string | readonly string[],
  options: RunOptions,
): Promise<string> {
  const maxStdout = options.maxStdoutBytes ?? MAX_STDOUT;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new ClientError('ERR_TOKEN_COMMAND', 'token command not run: the client is stopping'));
      return;
    }
    const child = spawnCommand(command);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    const stderr = tail(STDERR_KEPT);
    let exit: Exit | undefined;
    let settled = false;

    function settle() {
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
    function fail(reason: string, kill: boolean) {
      if (settled) return;
      settle();
      if (kill) {
        killGroup(child);
        child.stdout?.destroy();
        child.stderr?.destroy();
      }
      const said = redactOutput(stderr.bytes, options.stderrBytes ?? STDERR_BYTES);
      // No `cause`: it would repeat the command line, which may hold a secret.
      reject(
        new ClientError(
          'ERR_TOKEN_COMMAND',
          `token command ${reason}${said ? `; stderr: ${said}` : ''}`,
        ),
      );
    }
    function onAbort() {
      fail('stopped: the client is stopping; its process group was killed', true);
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      const lingering = exit
        ? ` (it ended with ${describeExit(exit)}, but a process it started kept its output open)`
        : '';
      fail(
        `timed out after ${options.timeoutMs} ms${lingering}; its process group was killed`,
        true,
      );
    }, options.timeoutMs);

    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxStdout) {
        fail(`printed more than ${maxStdout} bytes; its process group was killed`, true);
        return;
      }
      stdout.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', (error: NodeJS.ErrnoException) =>
      fail(`could not start: ${error.code ?? error.message}`, false),
    );
    child.once('exit', (code, signal) => (exit = { code, signal }));
    // 'close' comes when the output is complete: after the exit, and after every process that
    // shares the command's stdout and stderr let go of them.
    child.once('close', () => {
      if (settled || exit === undefined) return;
      if (exit.code === 0) {
        settle();
        resolve(Buffer.concat(stdout).toString('utf8'));
      } else {
        fail(`failed: ${describeExit(exit)}`, false);
      }
    });
  });
}

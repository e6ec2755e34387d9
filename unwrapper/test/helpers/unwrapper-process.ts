/** The real unwrapper binary on loopback, for SIGTERM tests: its key, URL and JSON log lines. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { generateAssertionKey, parseAssertionKeys, TUNNEL_PATH } from '@beats-gate/protocol';
import { waitFor, within } from './harness.ts';

const BIN = new URL('../../bin/beats-gate-unwrapper.ts', import.meta.url).pathname;

export async function startBinary(env: Record<string, string>) {
  const keyText = generateAssertionKey('bin');
  const key = parseAssertionKeys(keyText)[0]!;
  const child = spawn(process.execPath, [BIN], {
    env: {
      PATH: process.env.PATH ?? '',
      BEATS_GATE_UNWRAPPER_LISTEN: '127.0.0.1:0',
      BEATS_GATE_UNWRAPPER_ADMIN_LISTEN: '127.0.0.1:0',
      BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: keyText,
      BEATS_GATE_UNWRAPPER_UPSTREAM_PROBE_INTERVAL_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  });
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  try {
    await waitFor(() => lines.some((l) => l.event === 'listening'), 'the binary to listen', 20_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const listening = lines.find((l) => l.event === 'listening') as { public: { port: number } };
  return {
    child,
    key,
    lines,
    /** The exit code and signal; the wait starts when read, and fails after 20 s. */
    get exited() {
      return within(exit, 'the unwrapper binary to exit', 20_000);
    },
    url: `ws://127.0.0.1:${listening.public.port}${TUNNEL_PATH}`,
  };
}

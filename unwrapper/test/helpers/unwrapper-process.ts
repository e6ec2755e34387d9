/** The real unwrapper binary on loopback, for SIGTERM tests: its key, URL and JSON log lines. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { generateAssertionKey, parseAssertionKeys, TUNNEL_PATH } from '@beats-gate/protocol';
import { waitFor } from './harness.ts';

const BIN = new URL('../../bin/beats-gate-unwrapper.ts', import.meta.url).pathname;

export async function startBinary(env: Record<string, string>) {
  const keyText = generateAssertionKey('bin');
  const key = parseAssertionKeys(keyText)[0]!;
  const child = spawn(process.execPath, [BIN], {
    env: {
      PATH: process.env.PATH ?? '',
      UNWRAPPER_LISTEN: '127.0.0.1:0',
      UNWRAPPER_ADMIN_LISTEN: '127.0.0.1:0',
      UNWRAPPER_ASSERTION_KEYS: keyText,
      UNWRAPPER_UPSTREAM_PROBE_INTERVAL_MS: '0',
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
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  await waitFor(() => lines.some((l) => l.event === 'listening'), 'the binary to listen', 20_000);
  const listening = lines.find((l) => l.event === 'listening') as { public: { port: number } };
  return {
    child,
    key,
    lines,
    exited,
    url: `ws://127.0.0.1:${listening.public.port}${TUNNEL_PATH}`,
  };
}

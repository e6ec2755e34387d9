/**
 * Runs a command the way the edge's offline tests need it: wrangler kept from the network and from
 * telemetry, no Cloudflare account, no colours; stdout and stderr collected together. A command
 * still running after two minutes is killed, so a test that would hang fails instead.
 */
import { spawn } from 'node:child_process';

export interface Ran {
  readonly code: number | null;
  readonly output: string;
}

export function runOffline(command: string, args: readonly string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: {
        ...process.env,
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        WRANGLER_SEND_METRICS: 'false',
        // No account: nothing offline may need one.
        CLOUDFLARE_API_TOKEN: '',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

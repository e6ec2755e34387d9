/**
 * `npm run send -- --count N [sender options]`: runs the Filebeat-compatible sender
 * (beats-gate-send) against the local stack's client, 127.0.0.1:5044 unless CLIENT_PORT or a
 * trailing host:port says otherwise. Every other option is beats-gate-send's (see its --help).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const last = args.at(-1);
const hasTarget = last !== undefined && /^[^-].*:\d+$/.test(last);
const target = `127.0.0.1:${process.env.CLIENT_PORT ?? '5044'}`;
const child = spawn(
  process.execPath,
  [resolve(root, 'lumberjack/bin/beats-gate-send.ts'), ...args, ...(hasTarget ? [] : [target])],
  { stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});

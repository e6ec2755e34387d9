/**
 * `npm run send -- --count N [sender options]`: runs the Filebeat-compatible sender
 * (beats-gate-send) against the local stack's client: the client port `npm start` uses
 * (BEATS_GATE_DEV_CLIENT_PORT, default 5044) unless a host:port argument or BEATS_GATE_SEND_TARGET
 * says otherwise. Every other option is beats-gate-send's (see its --help).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ConfigError, loadOptions } from '@beats-gate/kit';
import { START_COMMAND } from './dev-commands.ts';

const root = resolve(import.meta.dirname, '..');

/** The client port from npm start's own sources (variables and its config file, no flags). */
function clientPort(): number | undefined {
  try {
    const loaded = loadOptions(START_COMMAND, [], process.env);
    if (loaded.kind !== 'config') return undefined;
    loaded.config.finish(null);
    return loaded.config.value('clientPort');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`npm run send: ${error.message}`);
    process.exit(2);
  }
}

const env = { ...process.env };
env.BEATS_GATE_SEND_TARGET ||= `127.0.0.1:${clientPort()}`;
const child = spawn(
  process.execPath,
  [resolve(root, 'lumberjack/bin/beats-gate-send.ts'), ...process.argv.slice(2)],
  { stdio: 'inherit', env },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});

/**
 * Debian's HAProxy (`apt-get install haproxy`) as the load balancer in front of the unwrappers,
 * standing in for Cloudflare Tunnel or a Kubernetes Service: TCP mode (WebSocket upgrades pass
 * untouched), least connections, and each unwrapper taken out of rotation when its /readyz on the
 * admin listener fails, as a Service drops a pod that is not ready. It runs as a child process in
 * the foreground with a generated configuration on 127.0.0.1, never as the system service.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readFileLimit } from '../../bench/lib/limits.ts';
import { GiveUp, pollUntil } from './poll.ts';

export interface Backend {
  name: string;
  /** The unwrapper's public (WebSocket) port. */
  port: number;
  /** Its admin port, where /readyz decides whether it gets tunnels. */
  adminPort: number;
}

export interface HaproxyOptions {
  /** Folder for the configuration; the caller removes it. */
  dir: string;
  /** Names its configuration file, when several run side by side; default `haproxy`. */
  name?: string;
  port: number;
  /** HAProxy's own Prometheus exporter (per-backend sessions and health). */
  metricsPort: number;
  backends: readonly Backend[];
  /** Health check interval; two failed checks take a backend out, two good ones put it back. */
  checkIntervalMs: number;
}

export interface Haproxy {
  pid: number;
  /** What it printed, for an error report. */
  log: string[];
  close(): Promise<void>;
}

export function renderHaproxyConfig(options: HaproxyOptions): string {
  const servers = options.backends.map(
    (backend) =>
      `  server ${backend.name} 127.0.0.1:${backend.port} check port ${backend.adminPort}`,
  );
  return [
    'global',
    // Two sockets per connection must fit the open-files limit HAProxy inherits; the scale run
    // gives no HAProxy more than 9,000 connections.
    `  maxconn ${Math.min(10_000, Math.floor(readFileLimit().soft / 2) - 100)}`,
    '',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    // Tunnels are long-lived and quiet between windows: the unwrapper's heartbeat ends dead ones.
    '  timeout client 1h',
    '  timeout server 1h',
    '  timeout tunnel 1h',
    '',
    'frontend origin',
    `  bind 127.0.0.1:${options.port}`,
    '  default_backend unwrappers',
    '',
    'backend unwrappers',
    '  balance leastconn',
    '  option httpchk',
    '  http-check send meth GET uri /readyz',
    '  http-check expect status 200',
    `  default-server inter ${options.checkIntervalMs} fall 2 rise 2`,
    ...servers,
    '',
    'frontend metrics',
    '  mode http',
    `  bind 127.0.0.1:${options.metricsPort}`,
    '  http-request use-service prometheus-exporter if { path /metrics }',
    '',
  ].join('\n');
}

export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const config = join(options.dir, `${options.name ?? 'haproxy'}.cfg`);
  writeFileSync(config, renderHaproxyConfig(options));
  // -db: foreground, no daemon; -W would add a master process we do not need.
  const child = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      log.push(line);
      if (log.length > 200) log.splice(0, 100);
    });
  }
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let gone = false;
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  void exited.then(() => (gone = true));
  const close = async () => {
    if (!gone) child.kill('SIGTERM');
    await exited;
  };
  try {
    await pollUntil(
      `haproxy to serve its metrics on 127.0.0.1:${options.metricsPort}`,
      async () => {
        if (spawnError) {
          throw new GiveUp(
            `cannot start haproxy (${spawnError.message}): install it with \`apt-get install -y haproxy\``,
          );
        }
        if (gone) throw new GiveUp(`haproxy exited:\n${log.join('\n')}`);
        const response = await fetch(`http://127.0.0.1:${options.metricsPort}/metrics`);
        await response.arrayBuffer();
        return response.ok ? true : undefined;
      },
      15_000,
      100,
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { pid: child.pid!, log, close };
}

/**
 * Debian's Prometheus server (`apt-get install prometheus`) on loopback, for tests: it scrapes the
 * given targets every second and evaluates the given rule files, with its data in a folder of the
 * caller's. What it answers is what an operator's Prometheus would: the queries and rules run
 * through the real engine, not a stand-in.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';

export interface PrometheusOptions {
  /** Loopback port for its HTTP API. */
  readonly port: number;
  /** Folder for its configuration and data; the caller removes it. */
  readonly dir: string;
  /** Scrape jobs: job name → `host:port` targets serving /metrics. */
  readonly targets: Record<string, string[]>;
  readonly ruleFiles?: readonly string[];
  /** Scrape and rule evaluation interval; default 1 s. */
  readonly intervalSeconds?: number;
  /** How long it may take to answer /-/ready; default 30 s. */
  readonly readyTimeoutMs?: number;
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RuleState {
  name: string;
  health: string;
  lastError?: string;
  lastEvaluation: string;
  state?: string;
}

export interface LocalPrometheus {
  readonly url: string;
  /** What it printed, for a failing test's report. */
  readonly log: string[];
  /** An instant query at the current time; a PromQL error rejects with Prometheus's message. */
  query(expr: string): Promise<Sample[]>;
  rules(): Promise<RuleState[]>;
  close(): Promise<void>;
}

export async function startPrometheus(options: PrometheusOptions): Promise<LocalPrometheus> {
  const interval = `${options.intervalSeconds ?? 1}s`;
  const config = join(options.dir, 'prometheus.yml');
  writeFileSync(
    config,
    stringify({
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: options.ruleFiles ?? [],
      scrape_configs: Object.entries(options.targets).map(([job, targets]) => ({
        job_name: job,
        static_configs: [{ targets }],
      })),
    }),
  );
  const url = `http://127.0.0.1:${options.port}`;
  const child = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(options.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${options.port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8').on('data', (chunk: string) => log.push(chunk));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));

  async function close(): Promise<void> {
    if (gone) return;
    child.kill('SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(10_000, false)]);
    if (!done) child.kill('SIGKILL');
    await exited;
  }

  async function api<T>(path: string): Promise<T> {
    const response = await fetch(url + path);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error}`);
    return body.data;
  }

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (gone) throw new Error(`prometheus exited before it was ready:\n${log.join('')}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`prometheus not ready at ${url} in time:\n${log.join('')}`);
    }
    await sleep(100);
  }

  return {
    url,
    log,
    async query(expr) {
      const data = await api<{ result: Sample[] }>(
        `/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      return data.result;
    },
    async rules() {
      const data = await api<{ groups: { rules: RuleState[] }[] }>('/api/v1/rules');
      return data.groups.flatMap((group) => group.rules);
    },
    close,
  };
}

/**
 * Runs the edge worker locally in workerd through Miniflare's API: the local stack (`npm start`)
 * and the end-to-end tests use it. The worker is bundled from src/index.ts with esbuild the way
 * wrangler bundles it for deploy, so what runs here is what runs at the edge.
 *
 *   const edge = await startEdge({ vars: { ORIGIN_URL: 'http://127.0.0.1:8080', … },
 *                                  secrets: { ASSERTION_KEYS: 'k1:…' } });
 *   // edge.url is http://127.0.0.1:<port>/ ; connect to ws://127.0.0.1:<port>/v1/tunnel
 *   await edge.dispose();
 *
 * Stable API: `startEdge(options)` and `bundleEdgeWorker()`; see docs/edge-worker.md.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare, Response as MiniflareResponse, type MiniflareOptions } from 'miniflare';
import { startFront } from './local-front.ts';

/** Matches wrangler.jsonc; workerd accepts dates up to its own release. */
export const COMPATIBILITY_DATE = '2026-11-01';

export interface RateLimitSetting {
  /** Requests allowed per period and key. */
  limit: number;
  /** Window in seconds; the Rate Limiting binding supports 10 or 60. */
  period: 10 | 60;
}

export interface StartEdgeOptions {
  /** Port on `host`; 0 (the default) picks a free one. The local stack uses 8787. */
  port?: number;
  /** Listen address; only loopback is sensible, and it is the default. */
  host?: string;
  /** Wrangler vars (see docs/edge-worker.md), for example ORIGIN_URL, JWT_ISSUER, JWKS_URL. */
  vars: Record<string, string>;
  /** Wrangler secrets, for example ASSERTION_KEYS. Kept apart from vars only for clarity. */
  secrets?: Record<string, string>;
  /**
   * Initial deny list (`jti:<id>` or `sub:<id>` → reason). The DENYLIST binding is always bound
   * locally (in memory); `miniflare.getKVNamespace('DENYLIST')` changes it while running.
   */
  kv?: Record<string, string>;
  /** Limiter bindings; a limiter left out is not bound, which turns that limit off. */
  rateLimits?: { upgrade?: RateLimitSetting; failure?: RateLimitSetting };
  /**
   * Receives each line the worker logs (its JSON decision lines). Without it, Miniflare prints
   * them to stdout.
   */
  onLog?: (line: string, level: string) => void;
  /**
   * Receives each Workers Analytics Engine data point the worker writes, through an OUTCOMES
   * binding that records instead of discarding (Miniflare's own dataset binding drops every point
   * locally). Without it, OUTCOMES is not bound.
   */
  onOutcome?: (point: OutcomePoint) => void;
}

/** A data point as the worker passed it to `writeDataPoint`. */
export interface OutcomePoint {
  blobs?: string[];
  doubles?: number[];
  indexes?: string[];
}

/**
 * Stands in for an Analytics Engine dataset: a second worker whose RPC method `writeDataPoint`
 * hands each point to Node through a fetcher binding. Unlike the real binding's, the call is
 * asynchronous; the edge keeps a returned promise alive with waitUntil (src/outcomes.ts).
 */
const OUTCOME_RECORDER = `
import { WorkerEntrypoint } from 'cloudflare:workers';
export default class OutcomeRecorder extends WorkerEntrypoint {
  writeDataPoint(point) {
    return this.env.SINK.fetch('http://sink/', { method: 'POST', body: JSON.stringify(point) });
  }
}
`;

export interface RunningEdge {
  /** Base URL, `http://<host>:<port>/`. */
  url: string;
  miniflare: Miniflare;
  dispose(): Promise<void>;
}

type WorkerEnv = NonNullable<MiniflareOptions['workers'][number]['config']['env']>;

let bundled: Promise<string> | undefined;

/** Bundles the worker once per process (esm, workerd conditions), in memory. */
export function bundleEdgeWorker(): Promise<string> {
  bundled ??= build({
    entryPoints: [fileURLToPath(new URL('./src/index.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  }).then((result) => {
    const output = result.outputFiles[0];
    if (!output) throw new Error('esbuild produced no output for the edge worker');
    return output.text;
  });
  return bundled;
}

/** Miniflare options for one edge worker; exported so tests can `setOptions` with new vars. */
export async function edgeMiniflareOptions(options: StartEdgeOptions): Promise<MiniflareOptions> {
  const script = await bundleEdgeWorker();
  const env: WorkerEnv = {};
  for (const [name, value] of Object.entries({ ...options.vars, ...options.secrets })) {
    env[name] = { type: 'text', value };
  }
  env.DENYLIST = { type: 'kv' };
  const { upgrade, failure } = options.rateLimits ?? {};
  if (upgrade) env.UPGRADE_LIMITER = { type: 'rate-limit', namespace: '1001', simple: upgrade };
  if (failure) env.FAILURE_LIMITER = { type: 'rate-limit', namespace: '1002', simple: failure };

  const { onLog, onOutcome } = options;
  if (onOutcome) env.OUTCOMES = { type: 'worker', worker: 'outcome-recorder' };
  const recorder: MiniflareOptions['workers'] = onOutcome
    ? [
        {
          config: {
            name: 'outcome-recorder',
            compatibilityDate: COMPATIBILITY_DATE,
            manifest: {
              mainModule: 'recorder.js',
              modules: { 'recorder.js': { type: 'esm', contents: OUTCOME_RECORDER } },
            },
            env: {
              SINK: {
                type: 'fetcher',
                async handler(request) {
                  onOutcome((await request.json()) as OutcomePoint);
                  return new MiniflareResponse(null, { status: 204 });
                },
              },
            },
          },
        },
      ]
    : [];
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    // No request to Cloudflare for a cf object, no telemetry, no cross-process registry: the
    // local stack and tests stay offline and independent of each other.
    cf: false,
    logRequests: false,
    enableDevRegistry: false,
    telemetry: { enabled: false },
    ...(onLog ? { handleStructuredLogs: (log) => onLog(log.message, log.level) } : {}),
    workers: [
      {
        config: {
          name: 'beats-gate-edge',
          compatibilityDate: COMPATIBILITY_DATE,
          manifest: {
            mainModule: 'index.js',
            modules: { 'index.js': { type: 'esm', contents: script } },
          },
          env,
        },
      },
      ...recorder,
    ],
  };
}

/**
 * Starts workerd on a free loopback port behind the front (local-front.ts), which listens on
 * `host:port` and answers what Cloudflare's front would answer before the Worker runs.
 */
export async function startEdge(options: StartEdgeOptions): Promise<RunningEdge> {
  const miniflare = new Miniflare(
    await edgeMiniflareOptions({ ...options, host: '127.0.0.1', port: 0 }),
  );
  try {
    const target = await miniflare.ready;
    if (options.kv && Object.keys(options.kv).length > 0) {
      const denyList = await miniflare.getKVNamespace('DENYLIST');
      for (const [key, value] of Object.entries(options.kv)) await denyList.put(key, value);
    }
    const front = await startFront({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      target,
    });
    return {
      url: front.url,
      miniflare,
      async dispose() {
        await front.close();
        await miniflare.dispose();
      },
    };
  } catch (error) {
    await miniflare.dispose();
    throw error;
  }
}

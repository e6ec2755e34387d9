#!/usr/bin/env node
/**
 * `npm run bench`: measures beats-gate the way the field would, side by side in one run, prints a
 * table against the targets and writes the figures to bench-results/ (docs/benchmarks.md).
 *
 *   node bench/run.ts            quick mode (a few minutes on 2 cores)
 *   node bench/run.ts --full     the large cases (1,000,000 events, 10,000 tunnels)
 *   node bench/run.ts --smoke    tiny sizes, seconds; for the test that keeps this program working
 *   --only throughput,latency,scale,edge,peer,inspect    --out <file.json>    --tunnels <n> (scale size)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { measureEdge } from './cases/edge.ts';
import { measureInspect } from './cases/inspect.ts';
import { measureLatency } from './cases/latency.ts';
import { measurePeer, websockifyAvailable } from './cases/peer.ts';
import { measureScale } from './cases/scale.ts';
import { measureThroughput } from './cases/throughput.ts';
import { startChain } from './lib/chain.ts';
import { startStampProcess } from './lib/children.ts';
import { ensureFileLimit } from './lib/limits.ts';
import { currentLoad, describeMachine } from './lib/machine.ts';
import type { BenchResults, BenchSizes } from './lib/results.ts';
import { round } from './lib/stats.ts';
import { renderSummary } from './lib/table.ts';
import { checkTargets } from './lib/targets.ts';

const CASES = ['throughput', 'latency', 'scale', 'edge', 'peer', 'inspect'] as const;
type CaseName = (typeof CASES)[number];

const SIZES: Record<BenchResults['mode'], BenchSizes> = {
  smoke: {
    throughputEvents: 5000,
    throughputRepeats: 1,
    latencyWindows: 20,
    latencyBatch: 10,
    scaleTunnels: 20,
    edgeRequestsPerArm: 10,
    edgeUpgrades: 10,
    // Enough for each bridge to use several 10 ms CPU ticks: capacity is wire MB per CPU second.
    peerEvents: 100_000,
    peerRepeats: 1,
    inspectEvents: 5000,
    inspectRepeats: 1,
  },
  quick: {
    throughputEvents: 200_000,
    throughputRepeats: 3,
    latencyWindows: 500,
    latencyBatch: 10,
    scaleTunnels: 1000,
    edgeRequestsPerArm: 300,
    edgeUpgrades: 300,
    peerEvents: 200_000,
    peerRepeats: 2,
    inspectEvents: 200_000,
    inspectRepeats: 3,
  },
  full: {
    throughputEvents: 1_000_000,
    throughputRepeats: 5,
    latencyWindows: 2000,
    latencyBatch: 10,
    scaleTunnels: 10_000,
    edgeRequestsPerArm: 1000,
    edgeUpgrades: 2000,
    peerEvents: 1_000_000,
    peerRepeats: 3,
    inspectEvents: 1_000_000,
    inspectRepeats: 3,
  },
};

const root = resolve(import.meta.dirname, '..');

const USAGE = `usage: node bench/run.ts [--full | --smoke] [--only ${CASES.join(',')}] [--tunnels N] [--out file.json]\n`;

function usage(problem: string): never {
  process.stderr.write(`${problem}\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        full: { type: 'boolean', default: false },
        smoke: { type: 'boolean', default: false },
        only: { type: 'string' },
        out: { type: 'string' },
        tunnels: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    usage((error as Error).message);
  }
  if (values.full && values.smoke) usage('--full and --smoke exclude each other');
  const selected = new Set<CaseName>(
    values.only === undefined
      ? CASES
      : values.only.split(',').map((name) => {
          if (!(CASES as readonly string[]).includes(name)) usage(`unknown case "${name}"`);
          return name as CaseName;
        }),
  );
  const mode: BenchResults['mode'] = values.full ? 'full' : values.smoke ? 'smoke' : 'quick';
  const sizes = { ...SIZES[mode] };
  if (values.tunnels !== undefined) {
    const tunnels = Number(values.tunnels);
    if (!Number.isInteger(tunnels) || tunnels < 1 || tunnels > 100_000) {
      usage(`--tunnels must be an integer from 1 to 100000, got "${values.tunnels}"`);
    }
    sizes.scaleTunnels = tunnels;
  }
  if (values.help) {
    // After the checks above, so `--help` also says whether the rest of a command line is valid.
    process.stdout.write(`beats-gate benchmarks (docs/benchmarks.md)\n${USAGE}`);
    return 0;
  }
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const results: BenchResults = {
    schema: 1,
    startedAt,
    mode,
    durationSeconds: 0,
    machine: describeMachine(),
    sizes,
    cases: {},
    targets: [],
  };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const errorOf = (error: unknown) => ({ error: (error as Error).message ?? String(error) });
  log(
    `bench ${mode}: ${[...selected].join(', ')} (load ${results.machine.loadAverageStart.join('/')})`,
  );

  // Throughput, latency and upgrades through the whole chain: client → edge → unwrapper → receiver.
  if (selected.has('throughput') || selected.has('latency') || selected.has('edge')) {
    const chain = await startChain({ parts: ['unwrapper', 'edge', 'client'] });
    try {
      if (selected.has('throughput')) {
        log('throughput…');
        results.cases.throughput = await measureThroughput(chain, {
          events: sizes.throughputEvents,
          repeats: sizes.throughputRepeats,
          warmUp: mode !== 'smoke',
          log,
        }).catch(errorOf);
      }
      if (selected.has('latency')) {
        log('latency…');
        results.cases.latency = await measureLatency(chain, {
          windows: sizes.latencyWindows,
          batch: sizes.latencyBatch,
        }).catch(errorOf);
      }
      if (selected.has('edge')) {
        log('edge…');
        results.cases.edge = await measureEdge(chain, {
          requests: sizes.edgeRequestsPerArm,
          upgrades: sizes.edgeUpgrades,
        }).catch(errorOf);
      }
    } finally {
      await chain.close();
    }
  }

  // Scale, peer and inspect: client → assertion stamp (the edge's stand-in) → unwrapper or
  // websockify.
  if (selected.has('scale') || selected.has('peer') || selected.has('inspect')) {
    let limitProblem: string | undefined;
    if (selected.has('scale')) {
      // Client, unwrapper and stamp hold two sockets per tunnel, the receiver and this process
      // (the Beats side) one.
      try {
        ensureFileLimit(2 * sizes.scaleTunnels + 256);
      } catch (error) {
        limitProblem = (error as Error).message;
      }
    }
    const stamp = await startStampProcess();
    const chain = await startChain({
      parts: ['unwrapper', 'client'],
      clientTargetUrl: `ws://127.0.0.1:${stamp.port}/v1/tunnel`,
    }).catch(async (error: unknown) => {
      await stamp.close();
      throw error;
    });
    await stamp.setTarget({ port: chain.ports.unwrapper, assertionKeys: chain.keys.assertionKeys });
    try {
      if (selected.has('scale')) {
        log('scale…');
        results.cases.scale = limitProblem
          ? { error: limitProblem }
          : await measureScale(chain, { tunnels: sizes.scaleTunnels, log }).catch(errorOf);
      }
      if (selected.has('peer')) {
        if (!websockifyAvailable()) {
          results.cases.peer = {
            skipped: 'websockify is not installed (Debian: apt-get install websockify)',
          };
          log('peer: skipped, websockify is not installed (Debian: apt-get install websockify)');
        } else {
          log('peer…');
          results.cases.peer = await measurePeer(chain, stamp, {
            events: sizes.peerEvents,
            repeats: sizes.peerRepeats,
            warmUp: mode !== 'smoke',
            log,
          }).catch(errorOf);
        }
      }
      // Last: it points the stamp at unwrappers of its own.
      if (selected.has('inspect')) {
        log('inspect…');
        results.cases.inspect = await measureInspect(chain, stamp, {
          events: sizes.inspectEvents,
          repeats: sizes.inspectRepeats,
          warmUp: mode !== 'smoke',
          log,
        }).catch(errorOf);
      }
    } finally {
      await chain.close();
      await stamp.close();
    }
  }

  results.machine.loadAverageEnd = currentLoad();
  results.durationSeconds = round((performance.now() - started) / 1000, 1);
  results.targets = checkTargets(results);
  const out =
    values.out ??
    join(root, 'bench-results', `bench-${mode}-${startedAt.replace(/[:.]/g, '-')}.json`);
  await mkdir(dirname(out), { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  await writeFile(out, json);
  if (values.out === undefined) await writeFile(join(root, 'bench-results', 'latest.json'), json);
  process.stdout.write(`${renderSummary(results)}\n\nfigures: ${out}\n`);
  const failures = Object.values(results.cases).filter((c) => c && 'error' in c);
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);

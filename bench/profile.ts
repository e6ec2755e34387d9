/**
 * `node bench/profile.ts [--compression N] [--events N] [--via edge|stamp] [--out dir]`: runs the
 * chain (through the edge in workerd, or through the assertion stamp as in the scale and peer
 * cases) with the client and unwrapper under `node --cpu-prof`, sends one stream through the
 * tunnel, stops the chain (profiles are written on exit) and prints each process's hottest
 * functions by self time while the stream ran (start-up and shutdown left out), as shares of the
 * busy samples. How the findings in docs/benchmarks.md were made.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startChain } from './lib/chain.ts';
import { runSender, startStampProcess } from './lib/children.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  /** µs on the monotonic clock, as process.hrtime's. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Samples per node taken between `from` and `to` (µs, monotonic clock). */
function hitsWithin(profile: Profile, from: number, to: number): Map<number, number> {
  const hits = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at >= from && at <= to) hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  return hits;
}

function hottest(profile: Profile, top: number, from: number, to: number): string[] {
  const hitsOf = hitsWithin(profile, from, to);
  const self = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = hitsOf.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    // Shares of the busy samples: idle time says how loaded the machine was, not where CPU went.
    if (functionName === '(idle)') continue;
    total += hits;
    const file = url.replace(/^.*\/(node_modules|work\/main)\//, '');
    const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + hits);
  }
  const rows = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, hits]) => `${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
  return [`${total} busy samples`, ...rows];
}

const { values } = parseArgs({
  options: {
    compression: { type: 'string', default: '0' },
    events: { type: 'string', default: '300000' },
    out: { type: 'string', default: 'bench-results/profiles' },
    via: { type: 'string', default: 'edge' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'usage: node bench/profile.ts [--compression N] [--events N] [--via edge|stamp] [--out dir]\n',
  );
  process.exit(0);
}
const dir = resolve(values.out, new Date().toISOString().replace(/[:.]/g, '-'));
await mkdir(dir, { recursive: true });
const profiled = (part: string) => ({
  // 250 µs rather than the default 1 ms: a few seconds of traffic give thousands of samples.
  NODE_OPTIONS: `--cpu-prof --cpu-prof-interval=250 --cpu-prof-dir=${join(dir, part)}`,
});
if (values.via !== 'edge' && values.via !== 'stamp') throw new Error('--via is edge or stamp');
const stamp = values.via === 'stamp' ? await startStampProcess() : undefined;
const chain = await startChain({
  parts: stamp ? ['unwrapper', 'client'] : ['unwrapper', 'edge', 'client'],
  env: { client: profiled('client'), unwrapper: profiled('unwrapper') },
  ...(stamp ? { clientTargetUrl: `ws://127.0.0.1:${stamp.port}/v1/tunnel` } : {}),
});
await stamp?.setTarget({ port: chain.ports.unwrapper, assertionKeys: chain.keys.assertionKeys });
const microseconds = () => Number(process.hrtime.bigint() / 1000n);
const span = { from: 0, to: 0 };
try {
  span.from = microseconds();
  const outcome = await runSender({
    host: '127.0.0.1',
    port: chain.ports.client,
    count: Number(values.events),
    batch: 2048,
    compression: Number(values.compression),
    pipelining: 2,
    runId: randomUUID(),
  });
  span.to = microseconds();
  console.log(
    `sent ${outcome.acked} events, ${Math.round((outcome.acked / outcome.durationMs) * 1000)} events/s`,
  );
} finally {
  await chain.close();
  await stamp?.close();
}
for (const part of ['client', 'unwrapper']) {
  const files = await readdir(join(dir, part)).catch(() => []);
  for (const file of files) {
    const profile = JSON.parse(await readFile(join(dir, part, file), 'utf8')) as Profile;
    const rows = hottest(profile, 25, span.from, span.to);
    console.log(`\n${part} (${file}):\n${rows.join('\n')}`);
  }
}

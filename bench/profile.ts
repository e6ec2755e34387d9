/**
 * `node bench/profile.ts [--compression N] [--events N] [--via edge|stamp] [--out dir]`: runs the
 * chain (through the edge in workerd, or through the assertion stamp as in the scale and peer
 * cases) with the client and unwrapper under `node --cpu-prof`, sends one stream through the
 * tunnel, stops the chain (profiles are written on exit) and prints each process's hottest
 * functions by self time. How the findings in docs/benchmarks.md were made.
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
  hitCount?: number;
}

function hottest(profile: { nodes: ProfileNode[] }, top: number): string[] {
  const self = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/(node_modules|work\/main)\//, '');
    const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + hits);
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, hits]) => `${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
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
  NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${join(dir, part)}`,
});
if (values.via !== 'edge' && values.via !== 'stamp') throw new Error('--via is edge or stamp');
const stamp = values.via === 'stamp' ? await startStampProcess() : undefined;
const chain = await startChain({
  parts: stamp ? ['unwrapper', 'client'] : ['unwrapper', 'edge', 'client'],
  env: { client: profiled('client'), unwrapper: profiled('unwrapper') },
  ...(stamp ? { clientTargetUrl: `ws://127.0.0.1:${stamp.port}/v1/tunnel` } : {}),
});
await stamp?.setTarget({ port: chain.ports.unwrapper, assertionKeys: chain.keys.assertionKeys });
try {
  const outcome = await runSender({
    host: '127.0.0.1',
    port: chain.ports.client,
    count: Number(values.events),
    batch: 2048,
    compression: Number(values.compression),
    pipelining: 2,
    runId: randomUUID(),
  });
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
    const profile = JSON.parse(await readFile(join(dir, part, file), 'utf8')) as {
      nodes: ProfileNode[];
    };
    console.log(`\n${part} (${file}):\n${hottest(profile, 25).join('\n')}`);
  }
}

#!/usr/bin/env node
/**
 * `npm run drill`: the production drill (docs/drill.md). Three unwrappers behind HAProxy, two
 * Logstash stand-ins, Prometheus with the shipped alert rules, devices sending throughout; a
 * rolling restart, a receiver killed, an unwrapper killed with SIGKILL. Writes report.json,
 * report.md and drill.svg, and exits 1 when an event was lost, a duplicate appeared where the docs
 * allow none, or the alerts were not the right ones.
 *
 *   npm run drill                         the full drill (the shipped alert durations: ~10 min)
 *   npm run drill -- --short              smaller numbers, every `for` scaled by 1/20 (~2 min)
 *   npm run drill -- --tunnels 29700      the scale run instead: idle tunnels over the three
 *                                         unwrappers, one window each, memory per tunnel (scale.json)
 *   --byte-tunnels    the scale run with byte tunnels (scale-byte-tunnels.json)
 *   --rules <file>    alert rules to load (default infra/monitoring/beats-gate.rules.yaml)
 *   --out <dir>       where the report goes (default drill/results)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { runDrill } from './lib/drill.ts';
import { renderPlot } from './lib/plot.ts';
import { renderReport } from './lib/report.ts';
import { runScale } from './lib/scale.ts';
import { SIZES } from './lib/sizes.ts';
import { closeAll } from './lib/teardown.ts';

const root = resolve(import.meta.dirname, '..');

const USAGE =
  'usage: npm run drill -- [--short | --tunnels <n> [--byte-tunnels]] [--rules <file>] [--out <dir>]\n';

function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        short: { type: 'boolean', default: false },
        tunnels: { type: 'string' },
        'byte-tunnels': { type: 'boolean', default: false },
        rules: { type: 'string', default: join(root, 'infra/monitoring/beats-gate.rules.yaml') },
        out: { type: 'string', default: join(root, 'drill/results') },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return Promise.resolve(2);
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return Promise.resolve(0);
  }
  if (parsed.short && parsed.tunnels !== undefined) {
    process.stderr.write(`--short and --tunnels are two different runs: choose one\n${USAGE}`);
    return Promise.resolve(2);
  }
  if (parsed['byte-tunnels'] && parsed.tunnels === undefined) {
    process.stderr.write(
      `--byte-tunnels is an option of the scale run: add --tunnels <n>\n${USAGE}`,
    );
    return Promise.resolve(2);
  }
  if (parsed.tunnels !== undefined) {
    const tunnels = Number(parsed.tunnels);
    if (!Number.isInteger(tunnels) || tunnels < 3) {
      process.stderr.write(
        `--tunnels must be an integer of at least 3, got ${parsed.tunnels}\n${USAGE}`,
      );
      return Promise.resolve(2);
    }
    return scale(tunnels, parsed['byte-tunnels'], resolve(parsed.out));
  }
  return drill(parsed.short ? 'short' : 'full', resolve(parsed.rules), resolve(parsed.out));
}

/** Written as the repository's Prettier writes it, so a committed report passes `npm run lint`. */
async function writeFormatted(file: string, text: string): Promise<void> {
  const options = (await resolveConfig(file)) ?? {};
  await writeFile(file, await format(text, { ...options, filepath: file }));
}

async function scale(tunnels: number, byteTunnels: boolean, out: string): Promise<number> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`drill scale run: ${tunnels} idle tunnels over 3 unwrappers`);
  const report = await runScale({ tunnels, unwrappers: 3, wave: 300, byteTunnels, log });
  await mkdir(out, { recursive: true });
  await writeFormatted(
    join(out, byteTunnels ? 'scale-byte-tunnels.json' : 'scale.json'),
    JSON.stringify(report),
  );
  log(JSON.stringify(report, null, 2));
  return report.windowsAcked === report.tunnels ? 0 : 1;
}

async function drill(mode: 'full' | 'short', rulesPath: string, out: string): Promise<number> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`drill (${mode}): rules ${rulesPath}, report to ${out}`);
  const report = await runDrill({ ...SIZES[mode], rulesPath, log });
  await mkdir(out, { recursive: true });
  await writeFormatted(join(out, 'report.json'), JSON.stringify({ mode, ...report }));
  await writeFile(join(out, 'drill.svg'), renderPlot(report));
  await writeFormatted(join(out, 'report.md'), renderReport(mode, report, 'drill.svg'));
  log(renderReport(mode, report, join(out, 'drill.svg')));
  return report.ok ? 0 : 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, function stopDrill() {
    process.stderr.write(`${signal}: stopping the drill and everything it started\n`);
    void closeAll().then(() => process.exit(130));
  });
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`drill failed: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
});

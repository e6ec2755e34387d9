/**
 * Idle Beats connections for the drill's scale run, as one process so their sockets count against
 * its own open-files limit: each probe (bench/lib/lj-probe.ts) is a Lumberjack peer connected to
 * a client listener, holding a tunnel open and sending nothing until asked. The client listener's
 * port is the one argument. Commands on stdin, each answered with one JSON line on stdout:
 * `open <n>` (n more probes; answers how many connected), `window` (one small window on every
 * probe; answers how many were acknowledged), `drop` (closes them all).
 */
import { createInterface } from 'node:readline';
import { encodeSmallWindow, openProbe, type Probe } from '../../bench/lib/lj-probe.ts';

const port = Number(process.argv[2]);
const probes: Probe[] = [];
const window = encodeSmallWindow(1, 'drill-scale');

/** Runs `job` for 0 … count-1, at most `width` at a time; resolves how many succeeded. */
async function atMost(width: number, count: number, job: (i: number) => Promise<unknown>) {
  let next = 0;
  let succeeded = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await job(i).then(
        () => succeeded++,
        () => {},
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  return succeeded;
}

async function command(line: string): Promise<unknown> {
  const [verb, arg] = line.split(' ');
  switch (verb) {
    case 'open': {
      const count = Number(arg);
      const opened = await atMost(count, count, async () => {
        probes.push(await openProbe('127.0.0.1', port, 60_000));
      });
      return { opened, failed: count - opened, open: probes.length };
    }
    case 'window': {
      const acked = await atMost(500, probes.length, (i) =>
        probes[i]!.roundTrip(window, 1, 60_000),
      );
      return { acked, failed: probes.length - acked };
    }
    case 'drop':
      for (const probe of probes.splice(0)) probe.close();
      return { open: 0 };
    case undefined:
    default:
      return { error: `unknown command ${line}` };
  }
}

// One command at a time, answered in order.
let queue: Promise<void> = Promise.resolve();
createInterface({ input: process.stdin })
  .on('line', (line) => {
    queue = queue.then(async () => {
      process.stdout.write(`${JSON.stringify(await command(line))}\n`);
    });
  })
  .on('close', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

/**
 * A group of devices, as one process: each device is the lumberjack package's Filebeat stand-in
 * (createSender) sending its own run of events continuously, at a steady rate, to one client
 * listener. The job is one JSON argument (DeviceJob). Commands on stdin, one JSON line answered
 * each on stdout: `progress` (what each device generated and got acknowledged so far) and `stop`
 * (stop generating, wait until every event is acknowledged, answer, exit).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import { createSender, generateEvents, type Sender } from '@beats-gate/lumberjack';
// Types only: erased when the process starts, so the launcher's module is not loaded here.
import type { DeviceJob, DeviceProgress } from '../lib/devices.ts';

const job = JSON.parse(process.argv[2] ?? '{}') as DeviceJob;

interface Device {
  runId: string;
  sender: Sender;
  /** Events handed to the sender so far (seq 0 … generated - 1). */
  generated: number;
  done: Promise<void>;
  error?: string;
}

let stopping = false;

/**
 * The device's events at `ratePerSecond`, until the group stops. Paced against the start time,
 * not per event, so a device held back by a reconnect catches up instead of drifting.
 */
async function* paced(device: Device): AsyncGenerator<Record<string, unknown>> {
  const started = performance.now();
  for (const event of generateEvents(Number.MAX_SAFE_INTEGER, { runId: device.runId })) {
    if (stopping) return;
    const ahead = started + (device.generated * 1000) / job.ratePerSecond - performance.now();
    if (ahead > 20) await sleep(ahead);
    if (stopping) return;
    device.generated++;
    yield event;
  }
}

const devices: Device[] = job.runIds.map((runId) => {
  const sender = createSender({
    host: '127.0.0.1',
    port: job.port,
    batchSize: job.batchSize,
    pipelining: job.pipelining,
    timeoutMs: 15_000,
    // Beats' own backoff starts at 1 s; shorter here so a drill's faults show in seconds.
    backoffInitialMs: 100,
    backoffMaxMs: 2000,
  });
  const device: Device = { runId, sender, generated: 0, done: Promise.resolve() };
  device.done = sender.send(paced(device)).then(
    () => undefined,
    (error: unknown) => {
      device.error = (error as { code?: string }).code ?? String(error);
    },
  );
  return device;
});

function progress(): DeviceProgress[] {
  return devices.map((device) => {
    const sent = device.sender.progress();
    return {
      runId: device.runId,
      generated: device.generated,
      acked: sent?.acked ?? 0,
      resends: sent?.resends ?? 0,
      connections: sent?.connections ?? 0,
      ...(device.error ? { error: device.error } : {}),
    };
  });
}

function answer(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

createInterface({ input: process.stdin })
  .on('line', function command(line) {
    if (line === 'progress') answer(progress());
    else if (line === 'stop') {
      stopping = true;
      void Promise.all(devices.map((device) => device.done)).then(() => {
        answer(progress());
        process.exit(0);
      });
    }
  })
  // The drill that started this process is gone: nobody will read the answers.
  .on('close', () => process.exit(0));

process.on('SIGTERM', function terminate() {
  for (const device of devices) device.sender.close();
  process.exit(0);
});

/**
 * The Filebeat stand-in for benchmarks, as its own process: the lumberjack package's sender with
 * the settings given as one JSON argument. Prints one JSON line: the send result and this
 * process's CPU seconds, so the sender's cost is reported like every other part's.
 */
import { createSender, generateEvents, SenderError, type SendResult } from '@beats-gate/lumberjack';
// A type only: erased when the process starts, so the launcher's module is not loaded here.
import type { SenderJob } from '../lib/children.ts';

const job = JSON.parse(process.argv[2] ?? '{}') as SenderJob;
const sender = createSender({
  host: job.host,
  port: job.port,
  batchSize: job.batch,
  compressionLevel: job.compression,
  pipelining: job.pipelining,
  timeoutMs: 30_000,
  backoffInitialMs: 200,
  backoffMaxMs: 1000,
  maxAttempts: 3,
});
const cpuBefore = process.cpuUsage();
let result: SendResult | undefined;
let error: string | undefined;
try {
  result = await sender.send(generateEvents(job.count, { runId: job.runId }));
} catch (err) {
  error = (err as { code?: string }).code ?? String(err);
  if (err instanceof SenderError) result = err.result;
}
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(
  `${JSON.stringify({ ...result, error, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`,
);
sender.close();
process.exit(0);

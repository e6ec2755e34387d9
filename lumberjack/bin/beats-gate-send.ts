#!/usr/bin/env node
// A Filebeat stand-in for tests and benchmarks: sends generated events over Lumberjack v2 with
// Filebeat's Logstash-output semantics and reports what was acknowledged.
// Argument parsing and wiring only; the behaviour lives in src/sender.
import { createLogger, runCommand } from '@beats-gate/kit';
import { pino } from 'pino';
import {
  SenderError,
  createProgressReporter,
  createSender,
  formatProgress,
  generateEvents,
} from '../src/index.ts';
import type { SendResult } from '../src/index.ts';
import { loadSendConfig, type SendRun } from './send-command.ts';

const EXIT = { OK: 0, NOT_ALL_ACKED: 1 } as const;

async function run(flags: SendRun): Promise<void> {
  const logger = createLogger({
    service: 'beats-gate-send',
    level: flags.logLevel,
    destination: pino.destination({ fd: 2, sync: true }),
  });
  const { runId } = flags;
  const sender = createSender({ ...flags.target, ...flags.sender, logger });
  // Never on stdout, which carries only the summary.
  const progress =
    (flags.progress ?? process.stderr.isTTY === true)
      ? createProgressReporter({
          total: flags.count,
          read: () => sender.progress(),
          report: (p) => process.stderr.write(`progress: ${formatProgress(p)}\n`),
        })
      : undefined;
  const stop = (): void => sender.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  let result: SendResult | undefined;
  let failure: Error | undefined;
  progress?.start();
  try {
    result = await sender.send(
      generateEvents(flags.count, { runId, messageBytes: flags.messageBytes }),
    );
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
    if (err instanceof SenderError) result = err.result;
  }
  progress?.stop();
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);

  const acked = result?.acked ?? 0;
  const durationMs = result?.durationMs ?? 0;
  const eventsPerSecond = durationMs > 0 ? Math.round((acked / durationMs) * 1000) : 0;
  const ok = failure === undefined && acked === flags.count;
  if (failure !== undefined) {
    logger.error(
      { event: 'send_failed', code: (failure as { code?: string }).code, error: failure.message },
      'send failed',
    );
  }
  if (flags.json) {
    const summary = {
      runId,
      count: flags.count,
      acked,
      sent: result?.sent ?? 0,
      resends: result?.resends ?? 0,
      connections: result?.connections ?? 0,
      durationMs: Math.round(durationMs),
      eventsPerSecond,
      ok,
      ...(failure !== undefined
        ? { error: (failure as { code?: string }).code ?? failure.message }
        : {}),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    process.stdout.write(
      `acked ${acked}/${flags.count} events in ${(durationMs / 1000).toFixed(2)} s: ` +
        `${eventsPerSecond} events/s, ${result?.connections ?? 0} connection(s), ` +
        `${result?.resends ?? 0} resent (run ${runId})${ok ? '' : ' - NOT ALL ACKNOWLEDGED'}\n`,
    );
  }
  process.exitCode = ok ? EXIT.OK : EXIT.NOT_ALL_ACKED;
}

await runCommand('beats-gate-send', () => loadSendConfig(process.argv.slice(2), process.env), run);

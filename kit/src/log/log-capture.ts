/**
 * For tests: a logger built by createLogger (so redaction, level labels and time are the real
 * ones) whose lines are kept, parsed, for assertions; `waitFor` is bounded in time and names what
 * it waited for. A line without an `event` name throws where it is logged, so every service test
 * that captures logs also checks that rule.
 */
import type { DestinationStream } from 'pino';
import { createLogger, type Logger } from './create-logger.ts';

export type LogLine = Record<string, unknown> & { event?: string; level?: string };

export interface LogCapture {
  readonly logger: Logger;
  /** Every line written so far, as written (JSON text). */
  readonly raw: string[];
  /** Every line written so far, parsed. */
  readonly lines: LogLine[];
  /** The first line (already written or to come) that matches, or a rejection after limitMs. */
  waitFor(match: (line: LogLine) => boolean, limitMs?: number): Promise<LogLine>;
}

export function createLogCapture(options: { service?: string; level?: string } = {}): LogCapture {
  const raw: string[] = [];
  const lines: LogLine[] = [];
  const waiters = new Set<{
    match: (line: LogLine) => boolean;
    resolve: (line: LogLine) => void;
  }>();
  const destination: DestinationStream = {
    write(text: string) {
      for (const part of text.split('\n')) {
        if (part.length === 0) continue;
        const line = JSON.parse(part) as LogLine;
        if (typeof line.event !== 'string') throw new Error(`log line without an event: ${part}`);
        raw.push(part);
        lines.push(line);
        for (const waiter of waiters) {
          if (!waiter.match(line)) continue;
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    },
  };
  return {
    logger: createLogger({
      service: options.service ?? 'test',
      level: options.level ?? 'debug',
      destination,
    }),
    raw,
    lines,
    waitFor(match, limitMs = 10_000) {
      const found = lines.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve(line: LogLine) {
            clearTimeout(timer);
            resolve(line);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `timed out after ${limitMs} ms waiting for a log line matching ${match.toString()}`,
            ),
          );
        }, limitMs);
        waiters.add(waiter);
      });
    },
  };
}

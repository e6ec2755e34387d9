/**
 * pino, configured once: JSON lines with an `event` field on every line we write. Headers are
 * redacted in case a request object is ever logged, so a token or an assertion cannot leak.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'beats-gate-unwrapper' },
    redact: {
      paths: ['req.headers', 'headers', 'authorization', '*.authorization'],
      censor: '[redacted]',
    },
  };
  // Synchronous writes keep lines in order and none is lost when the process exits after a drain.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}

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
  return destination ? pino(options, destination) : pino(options);
}

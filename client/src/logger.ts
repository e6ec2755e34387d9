import { pino, type Logger } from 'pino';

/**
 * JSON lines on stdout, one event name per line. The redaction list is a second line of defence:
 * the code never passes a token or header map to the logger in the first place.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'beats-gate-client' },
    redact: {
      paths: ['token', 'headers.authorization', '*.token', '*.authorization', 'clientSecret'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

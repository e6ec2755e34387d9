/**
 * The one pino set-up of every beats-gate Node service: JSON lines with an ISO `time`, the level
 * as its label (`"level":"info"`), the `service` name, and an `event` name passed by every call.
 * Context that a whole connection or listener shares goes into a child logger once
 * (`logger.child({ connectionId, subject })`), never into each call.
 *
 * Redaction is a second line of defence: the code never hands a token, an assertion or a header
 * map to the logger, but if one slips into a line under a usual name, pino censors it.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths censored in every line, at the top level and one object down. */
export const REDACT_PATHS: readonly string[] = [
  'token',
  'accessToken',
  'clientSecret',
  'adminToken',
  'assertion',
  'authorization',
  'headers',
  'password',
].flatMap((key) => [key, `*.${key}`]);

export interface LoggerOptions {
  /** The `service` field of every line, e.g. `beats-gate-unwrapper`. */
  readonly service: string;
  /** pino level name: fatal, error, warn, info, debug, trace or silent. */
  readonly level: string;
  /**
   * Where lines go. Default: stdout, written synchronously, so lines stay in order and none is
   * lost when the process exits right after a drain. The tools that print results on stdout log
   * to stderr (`pino.destination({ dest: 2, sync: true })`).
   */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  if (!(options.level in pino.levels.values) && options.level !== 'silent') {
    throw new RangeError(
      `level must be one of ${[...Object.keys(pino.levels.values), 'silent'].join(', ')}, got ${JSON.stringify(options.level)}`,
    );
  }
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

// Re-exports only. Each module adds its own lines.
export { createHeartbeat, type HeartbeatOptions } from './heartbeat.ts';
export {
  createLogger,
  REDACT_PATHS,
  type Logger,
  type LoggerOptions,
} from './log/create-logger.ts';
export { createLogCapture, type LogCapture, type LogLine } from './log/log-capture.ts';

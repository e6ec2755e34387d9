// Re-exports only. Each module adds its own lines.
export { createHeartbeat, type HeartbeatOptions } from './heartbeat.ts';
export {
  createLogger,
  REDACT_PATHS,
  type Logger,
  type LoggerOptions,
} from './log/create-logger.ts';
export { createLogCapture, type LogCapture, type LogLine } from './log/log-capture.ts';
export {
  createMetrics,
  type GaugeSpec,
  type MetricsFactory,
  type MetricsOptions,
} from './metrics/create-metrics.ts';
export {
  createAdminServer,
  type AdminMethod,
  type AdminReply,
  type AdminRoute,
  type AdminServerOptions,
  type Readiness,
} from './admin/admin-server.ts';

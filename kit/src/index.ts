// Re-exports only. Each module adds its own lines.
export { createHeartbeat, type HeartbeatOptions } from './heartbeat.ts';
export {
  createJoin,
  type Join,
  type JoinDirection,
  type JoinEnd,
  type JoinOptions,
  type JoinResult,
  type JoinStats,
  type Relay,
  type RelayHooks,
} from './join/socket-ws-join.ts';
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
export { defineCommand, envNames, packageVersion, type CommandSpec } from './config/command.ts';
export { ConfigError } from './config/config-error.ts';
export { findOptionsTable, renderOptionsTable } from './config/docs-table.ts';
export {
  formatHostPort,
  isLoopbackHost,
  parseHostPort,
  unbracket,
  type HostPort,
} from './config/host-port.ts';
export { fail, ok, type Kind, type Parsed, type Show } from './config/kind.ts';
export {
  bool,
  choice,
  file,
  hostPort,
  hostPortList,
  int,
  level,
  list,
  secret,
  text,
  url,
  type FileContent,
} from './config/kinds.ts';
export { loadCommand, loadOptions, type Env } from './config/load-options.ts';
export { LOG_LEVELS, type LogLevel } from './config/log-levels.ts';
export { envName, flagName, option, type OptionSpec, type OptionTable } from './config/option.ts';
export type { Entry, Layer, Loaded, Options } from './config/options.ts';
export { EXIT_FAILED, EXIT_USAGE, runCommand } from './config/run-command.ts';
export { bothOrNeither, onlyWith } from './config/rules.ts';
export { serveUntilSignal, type Service } from './service/serve-until-signal.ts';
export { within, WAIT_LIMIT_MS } from './time/within.ts';
export {
  checkStep,
  CheckFailure,
  failed,
  passed,
  type CheckOutcome,
  type CheckStep,
} from './check/check-step.ts';
export {
  formatCheckLine,
  runCheckCommand,
  runChecks,
  STEP_LIMIT_MS,
  type CheckCommandOptions,
  type CheckReport,
  type RunChecksOptions,
} from './check/run-checks.ts';

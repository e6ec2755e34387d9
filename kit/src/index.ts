// Re-exports only. Each module adds its own lines.
export { createHeartbeat, type HeartbeatOptions } from './heartbeat.ts';

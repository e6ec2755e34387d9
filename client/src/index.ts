export { createClient } from './client.ts';
export type { BoundAddresses, Client, ClientOptions, ClientStatus } from './client.ts';
export { loadConfig } from './config/load-config.ts';
export { CLIENT_COMMAND } from './config/options.ts';
export type { ClientConfig, ListenerConfig, TokenSource } from './config/types.ts';
export type { LastError, ListenerStatus, TunnelStatus } from './listener-status.ts';
export { ClientError, ConfigError, HandshakeError } from './errors.ts';
export type { ClientErrorCode } from './errors.ts';
export { createTokenProvider } from './token/create-token-provider.ts';
export type { Token, TokenProvider } from './token/types.ts';
export { createBackoff, parseRetryAfter } from './tunnel/backoff.ts';
export { ERROR_POLICY } from './errors.ts';
export type { FailurePart } from './errors.ts';
export { describeFailure, type FailureReport } from './handshake-failures.ts';
export {
  createEdgeDialer,
  createListenerDialer,
  type DialEdge,
  type NetworkSettings,
} from './tunnel/dial-edge.ts';
export { probeTunnel, type ProbeOptions, type ProbeResult } from './tunnel/probe-tunnel.ts';

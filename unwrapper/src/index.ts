export { createUnwrapper } from './create-unwrapper.ts';
export type { Unwrapper, UnwrapperAddresses, UnwrapperOptions } from './create-unwrapper.ts';
export { loadConfig, ConfigError } from './config/load-config.ts';
export { UNWRAPPER_COMMAND } from './config/options.ts';
export { DEFAULTS } from './config/types.ts';
export type * from './config/types.ts';
export { REFUSALS, UpgradeRefusal } from './upgrade/refusal.ts';
export type { RefusalReason } from './upgrade/refusal.ts';
export type { ClosedBy, Tunnel, TunnelIdentity, TunnelResult } from './tunnel/tunnel.ts';

// The client's configuration from arguments, as its bin loads it, for tests that run it in-process.
import { loadConfig, type ClientConfig } from '@beats-gate/client';

export function clientConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
): ClientConfig {
  const loaded = loadConfig(argv, env);
  if (loaded.kind !== 'config') throw new Error('expected a configuration, not text to print');
  return loaded.config;
}

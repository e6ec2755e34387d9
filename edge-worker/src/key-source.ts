/**
 * The edge's key set for device tokens, from its configuration. Remote key sets live at module
 * scope, keyed by URL and options, so every request an isolate serves shares one cache and one
 * cooldown even when workerd hands it a new env object.
 */
import { createDeviceKeySet, type DeviceKeyResolver } from '@beats-gate/protocol';
import type { KeySource } from './config.ts';

const remoteSets = new Map<string, DeviceKeyResolver>();

export function createKeyResolver(source: KeySource): DeviceKeyResolver {
  if (source.kind === 'inline') return createDeviceKeySet(source);
  const id = `${source.url.href} ${source.cacheMaxAgeMs} ${source.cooldownMs} ${source.timeoutMs}`;
  let set = remoteSets.get(id);
  if (!set) {
    set = createDeviceKeySet(source);
    remoteSets.set(id, set);
  }
  return set;
}

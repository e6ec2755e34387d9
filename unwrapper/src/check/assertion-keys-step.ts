/**
 * `assertion keys`: each configured edge-assertion key is imported and proven usable by a
 * round trip through protocol's own signer and verifier, the pair the edge and this unwrapper
 * run, so a key that loads but cannot verify is caught here and not at the first tunnel.
 */
import { failed, passed, type CheckStep } from '@beats-gate/kit';
import {
  createAssertionSigner,
  createAssertionVerifier,
  EdgeAssertionError,
  type AssertionKey,
} from '@beats-gate/protocol';

const PROBE_WEBSOCKET_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

async function roundTrip(key: AssertionKey, ring: readonly AssertionKey[]): Promise<void> {
  const sign = createAssertionSigner({ key, ttlSeconds: 5 });
  const verify = createAssertionVerifier({ keys: ring, maxAgeSeconds: 60 });
  const token = await sign({ subject: 'beats-gate-test', webSocketKey: PROBE_WEBSOCKET_KEY });
  await verify(token, PROBE_WEBSOCKET_KEY);
}

export function assertionKeysStep(keys: readonly AssertionKey[]): CheckStep {
  return {
    name: 'assertion keys',
    async run() {
      if (keys.length === 0) {
        return failed(
          'no edge assertion key is configured',
          'set assertionKeysFile (or assertionKeys) to the same list as the edge’s ASSERTION_KEYS',
        );
      }
      for (const key of keys) {
        try {
          await roundTrip(key, keys);
        } catch (error) {
          const why = error instanceof EdgeAssertionError ? error.code : String(error);
          return failed(
            `kid "${key.kid}" cannot verify what it signs (${why})`,
            'generate a new key (docs/operator-guide.md, "Assertion key") and set it on the edge and here',
          );
        }
      }
      const [current, ...previous] = keys.map((key) => key.kid);
      const rest = previous.length > 0 ? `, also accepted: ${previous.join(', ')}` : '';
      return passed(
        `${keys.length} key${keys.length === 1 ? '' : 's'} usable: ${current}${rest}; ` +
          'the edge must sign with one of these kids',
      );
    },
  };
}

/**
 * Everything the edge builds from its configuration (parsed config, key resolver, verifier,
 * assertion signer), built once per isolate and env rather than per request: importing keys and
 * compiling options on every upgrade would cost more than verifying the token.
 */
import { createAssertionSigner, type AssertionSigner } from '@beats-gate/protocol';
import { loadConfig, type EdgeConfig } from './config.ts';
import { logDecision } from './log.ts';
import { createTokenVerifier, type TokenVerifier } from './token-verifier.ts';

export type EdgeRuntime =
  | {
      readonly ok: true;
      readonly config: EdgeConfig;
      readonly verifyToken: TokenVerifier;
      readonly signAssertion: AssertionSigner;
    }
  | { readonly ok: false; readonly problems: readonly string[] };

// workerd hands the same env object to every request of an isolate, so this holds one entry.
const runtimes = new WeakMap<object, EdgeRuntime>();

export function getRuntime(env: Readonly<Record<string, unknown>>): EdgeRuntime {
  let runtime = runtimes.get(env);
  if (!runtime) {
    runtime = buildRuntime(env);
    runtimes.set(env, runtime);
  }
  return runtime;
}

function buildRuntime(env: Readonly<Record<string, unknown>>): EdgeRuntime {
  const loaded = loadConfig(env);
  if (!loaded.ok) {
    // Logged once per isolate, with every problem; each refused request logs the code again.
    logDecision({
      event: 'edge.config',
      result: 'error',
      code: 'ERR_EDGE_CONFIG_INVALID',
      problems: loaded.problems,
    });
    return { ok: false, problems: loaded.problems };
  }
  const { config } = loaded;
  for (const notice of loaded.notices) {
    logDecision({ event: 'edge.config', result: 'ok', notice });
  }
  try {
    return {
      ok: true,
      config,
      verifyToken: createTokenVerifier(config),
      signAssertion: createAssertionSigner({
        key: config.assertionKeys[0]!,
        ttlSeconds: config.assertionTtlSeconds,
      }),
    };
  } catch (error) {
    const problems = [`could not build the verifier or signer: ${(error as Error).message}`];
    logDecision({
      event: 'edge.config',
      result: 'error',
      code: 'ERR_EDGE_CONFIG_INVALID',
      problems,
    });
    return { ok: false, problems };
  }
}

/**
 * `beats-gate-client test`: with the service's own configuration (same flags, variables and
 * file), checks each listener the way its first Beats connection would go: the token source,
 * then one probe tunnel through the proxy, the edge and origin to Logstash, with no event sent.
 * One line per step; the run stops at the first failure and the exit code says so.
 */
import { readFileSync } from 'node:fs';
import { failed, passed, runCheckCommand, type CheckStep, type Env } from '@beats-gate/kit';
import { loadConfig } from '../config/load-config.ts';
import type { ClientConfig } from '../config/types.ts';
import { proxyAddress } from '../net/agent.ts';
import { createTokenProviders } from '../token/create-token-provider.ts';
import { createListenerDialer } from '../tunnel/dial-edge.ts';
import { chainSteps } from './chain-steps.ts';
import { listenerTlsStep } from '../tls/tls-step.ts';
import { tokenStep } from './token-step.ts';

export interface TestClientOptions {
  readonly write?: (text: string) => void;
  readonly writeError?: (text: string) => void;
  readonly now?: () => number;
}

export function describeConfig(config: ClientConfig): string {
  return config.listeners
    .map(
      (listener) =>
        `listener ${listener.name} on ${listener.host}:${listener.port} → ${listener.url.href}`,
    )
    .join('; ');
}

/** `ca file`: the extra CAs load and hold at least one certificate. */
function caStep(path: string, keep: (pem: string) => void): CheckStep {
  return {
    name: 'ca file',
    run() {
      let pem: string;
      try {
        pem = readFileSync(path, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        return failed(
          `cannot read ${path}: ${code}`,
          'check --ca-file and that the service user may read it',
        );
      }
      const count = pem.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
      if (count === 0)
        return failed(
          `${path} holds no PEM certificate`,
          'give --ca-file a PEM bundle (-----BEGIN CERTIFICATE-----)',
        );
      keep(pem);
      return passed(
        `${count} certificate${count === 1 ? '' : 's'} from ${path}, trusted besides the system CAs`,
      );
    },
  };
}

function* clientSteps(config: ClientConfig, now: () => number): Generator<CheckStep> {
  let ca: string | undefined;
  if (config.caFile !== undefined) yield caStep(config.caFile, (pem) => (ca = pem));
  // As in the service, listeners that share a token source share one provider (one command run).
  // Made lazily: the CA step above must have run before an OAuth agent is built with its CA.
  let providers: ReturnType<typeof createTokenProviders> | undefined;
  const several = config.listeners.length > 1;
  for (const listener of config.listeners) {
    const prefix = several ? `[${listener.name}] ` : '';
    if (listener.tls) yield listenerTlsStep(`${prefix}listener tls`, listener, listener.tls, now);
    providers ??= createTokenProviders(config, ca, now);
    const { tokens } = providers.get(listener.token);
    yield tokenStep(`${prefix}token`, listener.token, tokens, now);
    const network = {
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      ...(config.proxy === undefined ? {} : { proxy: config.proxy }),
      ...(ca === undefined ? {} : { ca }),
    };
    const { dial } = createListenerDialer(listener, network, tokens);
    const proxy = proxyAddress(listener.url, config.proxy);
    const target = {
      url: listener.url,
      extraCa: ca !== undefined,
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      ...(proxy === undefined ? {} : { proxy }),
    };
    yield* chainSteps(prefix, target, dial, now);
  }
}

/** The exit code: 0 when a Beats connection would get through, 1 at a failed step, 2 for a bad config. */
export function testClient(
  argv: readonly string[],
  env: Env,
  options: TestClientOptions = {},
): Promise<number> {
  const now = options.now ?? Date.now;
  return runCheckCommand({
    name: 'beats-gate-client',
    load: () => loadConfig(argv, env),
    describe: describeConfig,
    steps: (config) => clientSteps(config, now),
    ...(options.write ? { write: options.write } : {}),
    ...(options.writeError ? { writeError: options.writeError } : {}),
  });
}

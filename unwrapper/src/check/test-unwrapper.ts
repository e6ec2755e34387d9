/**
 * `beats-gate-unwrapper test`: with the service's own configuration (same flags, variables and
 * file), checks that it loads, that the assertion keys (and the JWT keys, when tokens are
 * re-verified) are usable, and that every Logstash of every upstream group answers, with TLS when
 * configured. One line per step; the exit code says whether the unwrapper could serve.
 */
import { runCheckCommand, type CheckStep, type Env } from '@beats-gate/kit';
import { loadConfig } from '../config/load-config.ts';
import type { UnwrapperConfig } from '../config/types.ts';
import { assertionKeysStep } from './assertion-keys-step.ts';
import { jwtKeysStep } from './jwt-keys-step.ts';
import { listUpstreams, upstreamStep } from './upstream-step.ts';

export interface TestUnwrapperOptions {
  readonly write?: (text: string) => void;
  readonly now?: () => number;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function describeConfig(config: UnwrapperConfig): string {
  const groups = Object.keys(config.upstreamGroups ?? {}).length;
  return [
    `${plural(listUpstreams(config).length, 'upstream')}` +
      (groups > 0 ? ` (default and ${plural(groups, 'group')})` : ''),
    `TLS to Logstash ${config.upstreamTls ? 'on' : 'off'}`,
    `JWT re-check ${config.jwt ? 'on' : 'off'}`,
    `inspect ${config.inspect}`,
  ].join(', ');
}

function* unwrapperSteps(config: UnwrapperConfig, now: () => number): Generator<CheckStep> {
  yield assertionKeysStep(config.assertionKeys);
  if (config.jwt) yield jwtKeysStep(config.jwt, now);
  for (const { target, groups } of listUpstreams(config)) {
    yield upstreamStep(target, groups, config, now);
  }
}

/** The exit code: 0 when the unwrapper could serve, 1 at a failed step, 2 for a bad config. */
export function testUnwrapper(
  argv: readonly string[],
  env: Env,
  options: TestUnwrapperOptions = {},
): Promise<number> {
  const now = options.now ?? Date.now;
  return runCheckCommand({
    name: 'beats-gate-unwrapper',
    load: () => loadConfig(argv, env),
    describe: describeConfig,
    steps: (config) => unwrapperSteps(config, now),
    ...(options.write ? { write: options.write } : {}),
  });
}

/**
 * What the client checks at start, before it listens, without opening a tunnel: each token
 * source gives a token once (the command runs, the file is read, the OAuth endpoint is asked),
 * and the token is read as a JWT for its expiry. Only a setup that could never work stops the
 * start: a static token or a token file that is not a JWT at all (the edge accepts nothing
 * else). Everything a later fetch may fix (a missing file a provisioning step will write, a
 * failing command or endpoint, an expired token that a refresh replaces) is logged loudly and
 * the client starts; /readyz stays 503 until a tunnel opens. The edge URL's path is checked by
 * the configuration itself (config/client-kinds.ts).
 */
import type { Logger } from '@beats-gate/kit';
import type { TokenSource } from './config/types.ts';
import { ClientError } from './errors.ts';
import { describeFailure, type FailureReport } from './handshake-failures.ts';
import { readTokenShape } from './token/jwt-expiry.ts';
import type { TokenProvider } from './token/types.ts';

export interface TokenCheck {
  readonly source: TokenSource;
  readonly tokens: TokenProvider;
  /** The listeners that share this source. */
  readonly listeners: readonly string[];
}

/** The source as an operator configured it, for messages; never the token. */
function describeSource(source: TokenSource): string {
  switch (source.type) {
    case 'static':
      return 'the static token (--token)';
    case 'file':
      return `token file "${source.path}"`;
    case 'command':
      return 'the token command';
    case 'oauth':
      return `the OAuth token endpoint ${source.tokenUrl.origin}`;
  }
}

/** Operator-provided bytes: if they are not a JWT now, nothing will make them one. */
const FIXED_SOURCES: ReadonlySet<TokenSource['type']> = new Set(['static', 'file']);

function warnFailed(log: Logger, report: FailureReport): FailureReport {
  const { code, part, message, fix } = report;
  log.warn({ event: 'token_check_failed', code, part, reason: message, fix });
  return report;
}

/** What a source failed with, or undefined when it gave a JWT (expired or not). */
async function checkOne(
  check: TokenCheck,
  logger: Logger,
  now: () => number,
): Promise<FailureReport | undefined> {
  const { source, tokens } = check;
  const log = logger.child({ listeners: check.listeners, source: source.type });
  let value: string;
  try {
    value = (await tokens.get()).value;
  } catch (error) {
    return warnFailed(log, describeFailure(error));
  }
  const shape = readTokenShape(value);
  if (!shape.jwt) {
    const problem = new ClientError(
      'ERR_TOKEN_INVALID',
      `${describeSource(source)} does not hold a JWT; the edge accepts nothing else`,
    );
    if (FIXED_SOURCES.has(source.type)) throw problem;
    return warnFailed(log, describeFailure(problem));
  }
  const { expiresAt } = shape;
  const at = expiresAt === undefined ? null : new Date(expiresAt).toISOString();
  if (expiresAt !== undefined && expiresAt <= now()) {
    log.warn({
      event: 'token_expired',
      expiresAt: at,
      reason:
        `${describeSource(source)} gave a token that expired at ${at}: the edge refuses it ` +
        '(ERR_EDGE_TOKEN_EXPIRED) until the source gives a fresh one' +
        (source.type === 'static' ? '; a static token never changes: restart with a new one' : ''),
    });
    return undefined;
  }
  log.info({ event: 'token_checked', expiresAt: at });
  return undefined;
}

/**
 * Checks every token source once; rejects with ERR_TOKEN_INVALID when one can never work, and
 * returns the failures of the others by listener name (they start not ready, naming the token).
 */
export async function checkTokenSources(
  checks: readonly TokenCheck[],
  logger: Logger,
  now: () => number = Date.now,
): Promise<Map<string, FailureReport>> {
  const reports = await Promise.all(checks.map((check) => checkOne(check, logger, now)));
  const failed = new Map<string, FailureReport>();
  checks.forEach((check, index) => {
    const report = reports[index];
    if (report) for (const listener of check.listeners) failed.set(listener, report);
  });
  return failed;
}

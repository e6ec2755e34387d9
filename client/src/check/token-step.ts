/**
 * `token`: gets a token from the listener's source as a Beats connection would (the file read,
 * the command run, the OAuth endpoint asked) and checks what the edge will check first: that it
 * is a JWT and that it has not expired. The line shows its subject and expiry, never the token.
 */
import { failed, passed, STEP_LIMIT_MS, type CheckOutcome, type CheckStep } from '@beats-gate/kit';
import { decodeJwt, type JWTPayload } from 'jose';
import type { TokenSource } from '../config/types.ts';
import { ERROR_POLICY } from '../errors.ts';
import { describeFailure } from '../handshake-failures.ts';
import type { TokenProvider } from '../token/types.ts';

/** Where the token came from, as the operator configured it. */
function origin(source: TokenSource): string {
  switch (source.type) {
    case 'static':
      return 'the static token';
    case 'file':
      return `the token file ${source.path}`;
    case 'command':
      return 'the token command';
    case 'oauth':
      return `the OAuth endpoint ${source.tokenUrl.host}`;
  }
}

/** What renews a token of each source, for the fix of an expired one. */
const RENEW: Record<TokenSource['type'], string> = {
  static:
    'give the client a current token (a static token is never renewed: prefer a token file or command)',
  file: 'write a current token to the token file (whatever renews it has stopped)',
  command: 'the token command printed an expired token: check its issuer and the device clock',
  oauth: 'the endpoint issued an expired token: check the device clock',
};

/** `in 14 min`, `3 h ago`: enough to tell a skewed clock from an old token. */
export function relative(ms: number): string {
  const exact = Math.abs(ms) / 60_000;
  const minutes = Math.round(exact);
  const amount =
    exact < 1
      ? 'less than a minute'
      : minutes < 120
        ? `${minutes} min`
        : minutes < 2880
          ? `${Math.round(minutes / 60)} h`
          : `${Math.round(minutes / 1440)} days`;
  return ms >= 0 ? `in ${amount}` : `${amount} ago`;
}

function judge(value: string, source: TokenSource, now: number): CheckOutcome {
  const from = origin(source);
  let claims: JWTPayload;
  try {
    claims = decodeJwt(value);
  } catch {
    return failed(`${from} gave a token that is not a JWT`, ERROR_POLICY.ERR_TOKEN_INVALID.fix);
  }
  if (typeof claims.exp !== 'number') {
    return failed(
      `${from} gave a JWT without exp, which the edge refuses`,
      'have the issuer set exp on device tokens',
    );
  }
  const expiresAt = claims.exp * 1000;
  const when = `${new Date(expiresAt).toISOString()} (${relative(expiresAt - now)})`;
  if (expiresAt <= now) {
    return failed(`the token from ${from.slice(4)} expired ${when}`, RENEW[source.type]);
  }
  const subject = typeof claims.sub === 'string' ? `sub "${claims.sub.slice(0, 64)}"` : 'no sub';
  return passed(`JWT from ${from.slice(4)}, ${subject}, expires ${when}`);
}

export function tokenStep(
  name: string,
  source: TokenSource,
  tokens: TokenProvider & { prepare?(): Promise<void> },
  now: () => number = Date.now,
): CheckStep {
  return {
    name,
    // The command's own limit ends it first, with its stderr; this only ends a stuck step.
    limitMs: Math.max(STEP_LIMIT_MS, source.type === 'command' ? source.timeoutMs + 5000 : 0),
    async run(signal) {
      // At the step's deadline the command's process group goes too: nothing outlives the report.
      signal.addEventListener('abort', () => tokens.close?.(), { once: true });
      let value: string;
      try {
        // An OAuth provider loads its private key first, as the service does at start.
        await tokens.prepare?.();
        ({ value } = await tokens.get());
      } catch (error) {
        const report = describeFailure(error);
        return failed(report.message, report.fix);
      }
      return judge(value, source, now());
    },
  };
}

/**
 * Finds the device's token on the upgrade request. The Authorization header is the only place
 * accepted by default: URLs end up in access logs, browser history and proxies (RFC 6750 §5.3).
 */
import { EdgeError } from './errors.ts';

export interface TokenExtractionOptions {
  readonly maxTokenBytes: number;
  /** Query parameter that may carry the token when the operator enabled it. */
  readonly queryTokenParam?: string;
  /** Parameters that look like a token in the URL and are refused when not enabled. */
  readonly rejectedQueryParams: readonly string[];
}

export interface ExtractedToken {
  readonly token: string;
  readonly from: 'header' | 'query';
}

// RFC 6750 §2.1: the scheme is case-insensitive; b64token is base64url plus "~+/" and padding.
// Linear: no nested quantifiers, so a huge header costs one pass before the size check.
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function extractToken(request: Request, options: TokenExtractionOptions): ExtractedToken {
  const header = request.headers.get('authorization');
  const url = new URL(request.url);
  const queryToken = options.queryTokenParam ? url.searchParams.get(options.queryTokenParam) : null;

  if (header !== null) {
    if (queryToken !== null) {
      throw new EdgeError(
        'ERR_EDGE_TOKEN_AMBIGUOUS',
        'the token was sent both in the Authorization header and in the URL; send it once',
      );
    }
    return { token: checkSize(parseBearer(header), options), from: 'header' };
  }
  if (queryToken !== null && queryToken !== '') {
    return { token: checkSize(queryToken, options), from: 'query' };
  }
  const inUrl = options.rejectedQueryParams.find((name) => url.searchParams.has(name));
  if (inUrl !== undefined) {
    throw new EdgeError(
      'ERR_EDGE_TOKEN_IN_URL',
      `tokens are not accepted in the URL (query parameter "${inUrl}"); send "Authorization: Bearer <token>"`,
    );
  }
  throw new EdgeError('ERR_EDGE_TOKEN_MISSING', 'send "Authorization: Bearer <token>"');
}

function parseBearer(header: string): string {
  // A different scheme (Basic, DPoP…) means no bearer token was presented: RFC 6750 §3.1 wants a
  // bare challenge then, not an error code.
  if (!/^bearer( |$)/i.test(header)) {
    throw new EdgeError(
      'ERR_EDGE_TOKEN_MISSING',
      'the Authorization header does not use the Bearer scheme; send "Authorization: Bearer <token>"',
    );
  }
  const match = BEARER.exec(header);
  if (!match?.[1]) {
    throw new EdgeError(
      'ERR_EDGE_TOKEN_MALFORMED',
      'the Authorization header must be "Bearer <token>" with one token',
    );
  }
  return match[1];
}

function checkSize(token: string, options: TokenExtractionOptions): string {
  if (token.length > options.maxTokenBytes) {
    throw new EdgeError(
      'ERR_EDGE_TOKEN_TOO_LARGE',
      `the token has ${token.length} bytes, at most ${options.maxTokenBytes} are accepted`,
    );
  }
  return token;
}

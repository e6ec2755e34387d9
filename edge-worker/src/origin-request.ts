/**
 * Builds the request the edge sends to origin: the device's upgrade with the token removed, any
 * client-supplied copy of the edge's own headers removed, and the edge assertion added. The
 * unwrapper trusts the assertion and the client-address header, so nothing the client sent may
 * reach it under those names.
 */
import {
  ASSERTION_HEADER,
  CLIENT_ADDRESS_HEADER,
  TUNNEL_PATH,
  type AssertionSigner,
} from '@beats-gate/protocol';
import type { VerifiedToken } from './token-verifier.ts';

export interface OriginRequestOptions {
  readonly originUrl: URL;
  readonly forwardAuthorization: boolean;
  readonly forwardClaims: readonly string[];
  readonly signAssertion: AssertionSigner;
}

export interface OriginRequestInput {
  readonly request: Request;
  readonly token: VerifiedToken;
  readonly webSocketKey: string;
  readonly clientAddress?: string;
}

/**
 * The origin URL keeps the operator's path prefix and ends in the tunnel path. The device's query
 * string is not passed on: it is where a token would sit, and origin has no use for it.
 */
export function originTarget(originUrl: URL): URL {
  const target = new URL(originUrl.href);
  target.pathname = target.pathname.replace(/\/+$/, '') + TUNNEL_PATH;
  return target;
}

export async function buildOriginRequest(
  options: OriginRequestOptions,
  input: OriginRequestInput,
): Promise<Request> {
  const headers = new Headers(input.request.headers);
  if (!options.forwardAuthorization) headers.delete('authorization');
  headers.delete(ASSERTION_HEADER);
  headers.delete(CLIENT_ADDRESS_HEADER);

  const assertion = await options.signAssertion({
    subject: input.token.subject,
    webSocketKey: input.webSocketKey,
    claims: pickClaims(input.token.payload, options.forwardClaims),
    tokenExpiresAt: input.token.expiresAt,
    ...(input.token.tokenId !== undefined ? { tokenId: input.token.tokenId } : {}),
    ...(input.clientAddress ? { clientAddress: input.clientAddress } : {}),
  });
  headers.set(ASSERTION_HEADER, assertion);
  if (input.clientAddress) headers.set(CLIENT_ADDRESS_HEADER, input.clientAddress);

  // The upgrade is passed through as is (docs/edge-worker.md); redirects from origin go back to the
  // caller untouched rather than being followed with the assertion attached.
  return new Request(originTarget(options.originUrl), {
    method: 'GET',
    headers,
    redirect: 'manual',
  });
}

function pickClaims(payload: Readonly<Record<string, unknown>>, names: readonly string[]) {
  const claims: Record<string, unknown> = {};
  for (const name of names) {
    if (Object.hasOwn(payload, name)) claims[name] = payload[name];
  }
  return claims;
}

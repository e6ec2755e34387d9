/**
 * Builds the request the edge sends to origin: the device's upgrade with the token removed, any
 * client-supplied copy of the edge's own headers and of the proxies' forwarding headers removed,
 * and the edge assertion and one X-Forwarded-For added. The unwrapper trusts only the assertion
 * (its `cip` is the client address); X-Forwarded-For carries the same address for what sits in
 * front of the unwrapper (ingress, load balancer logs), so nothing the device sent may reach
 * origin under any of these names.
 */
import {
  ASSERTION_HEADER,
  CLIENT_ADDRESS_HEADER,
  TUNNEL_PATH,
  type AssertionSigner,
} from '@beats-gate/protocol';
import type { VerifiedToken } from './token-verifier.ts';

/**
 * Headers in which proxies pass on a client's address (or scheme and host). A device can send any
 * of them; origin must only ever see the address the edge saw (CF-Connecting-IP as Cloudflare sets
 * it on the request to the Worker).
 */
export const FORWARDING_HEADERS = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'cf-connecting-ipv6',
] as const;

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
  for (const name of [ASSERTION_HEADER, CLIENT_ADDRESS_HEADER, ...FORWARDING_HEADERS]) {
    headers.delete(name);
  }

  const assertion = await options.signAssertion({
    subject: input.token.subject,
    webSocketKey: input.webSocketKey,
    claims: pickClaims(input.token.payload, options.forwardClaims),
    tokenExpiresAt: input.token.expiresAt,
    ...(input.token.tokenId !== undefined ? { tokenId: input.token.tokenId } : {}),
    ...(input.clientAddress ? { clientAddress: input.clientAddress } : {}),
  });
  headers.set(ASSERTION_HEADER, assertion);
  if (input.clientAddress) headers.set('x-forwarded-for', input.clientAddress);

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

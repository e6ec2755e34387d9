/**
 * The unwrapper's one admin action, served by the kit's admin server: `POST /tunnels/close`
 * closes tunnels now, to cut off a device whose token was revoked (the edge's deny list only
 * stops its next connection). It needs the admin bearer token and is off without one.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AdminReply, AdminRoute } from '@beats-gate/kit';

/** Which tunnels to close: every tunnel of a subject, or one tunnel by its connection id. */
export type TunnelSelector = { subject: string } | { connectionId: string };

export interface CloseTunnelsDeps {
  /** Bearer token of POST /tunnels/close; the endpoint answers 403 without one. */
  adminToken?: string;
  /** Closes the selected tunnels; returns how many. */
  closeTunnels: (selector: TunnelSelector) => number;
}

const PATH = '/tunnels/close';

export function createCloseTunnelsRoute(deps: CloseTunnelsDeps): AdminRoute {
  // Compared as digests: equal lengths for timingSafeEqual, and no early exit on the first byte.
  const expected = deps.adminToken === undefined ? undefined : digest(deps.adminToken);

  function authorized(request: IncomingMessage): boolean {
    const match = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '');
    return expected !== undefined && match !== null && timingSafeEqual(digest(match[1]!), expected);
  }

  return {
    path: PATH,
    methods: ['POST'],
    handle(request, url): AdminReply {
      if (expected === undefined) {
        return refuse(
          403,
          'ERR_ADMIN_DISABLED',
          'closing tunnels needs an admin token: set BEATS_GATE_UNWRAPPER_ADMIN_TOKEN_FILE',
        );
      }
      if (!authorized(request)) {
        return {
          ...refuse(401, 'ERR_ADMIN_UNAUTHORIZED', 'expected Authorization: Bearer <admin token>'),
          headers: { 'www-authenticate': 'Bearer' },
        };
      }
      const subject = url.searchParams.get('subject');
      const connectionId = url.searchParams.get('connectionId');
      if ((subject === null) === (connectionId === null) || (subject ?? connectionId) === '') {
        return refuse(
          400,
          'ERR_ADMIN_BAD_REQUEST',
          `give exactly one of ?subject= or ?connectionId= (POST ${PATH}?subject=device-7)`,
        );
      }
      const selector: TunnelSelector =
        subject !== null ? { subject } : { connectionId: connectionId! };
      return { status: 200, body: { ...selector, closed: deps.closeTunnels(selector) } };
    },
  };
}

function refuse(status: number, error: string, message: string): AdminReply {
  return { status, body: { error, message } };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

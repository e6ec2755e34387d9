/**
 * How far one dial got (proxy, DNS, TCP, TLS, upgrade), read off the upgrade request's own events,
 * so a failure or a timeout names the step that did not finish instead of "the edge".
 */
import type { ClientRequest } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { unbracket } from '@beats-gate/kit';

export type DialPhase = 'proxy' | 'dns' | 'tcp' | 'tls' | 'upgrade';

export interface DialTarget {
  /** The edge as `host:port`, the port written out even when it is the scheme's default. */
  readonly edge: string;
  readonly secure: boolean;
  /** The proxy as `host:port` (never its credentials), when the dial goes through one. */
  readonly proxy?: string;
}

export interface PhaseTracker {
  readonly phase: DialPhase;
  /** The CONNECT status when a proxy answered anything but 200: its answer is not the edge's. */
  readonly proxyStatus: number | undefined;
  /** Hook for ws's `finishRequest`: watches the request, then sends it. */
  watch(request: ClientRequest): void;
}

export function dialTarget(url: URL, proxy: string | undefined): DialTarget {
  const secure = url.protocol === 'wss:';
  const port = url.port || (secure ? '443' : '80');
  return { edge: `${url.hostname}:${port}`, secure, ...(proxy ? { proxy } : {}) };
}

/** Where a dial starts: at the proxy, or at DNS unless the edge host is an address already. */
function firstPhase(target: DialTarget): DialPhase {
  if (target.proxy) return 'proxy';
  const host = unbracket(target.edge.slice(0, target.edge.lastIndexOf(':')));
  return isIP(host) ? 'tcp' : 'dns';
}

export function trackPhases(target: DialTarget): PhaseTracker {
  let phase: DialPhase = firstPhase(target);
  let proxyStatus: number | undefined;
  const afterTcp: DialPhase = target.secure ? 'tls' : 'upgrade';

  function requestOnProxyConnect(answer: { statusCode?: number }) {
    if (answer.statusCode === 200) phase = afterTcp;
    else proxyStatus = answer.statusCode ?? 0;
  }
  function requestOnSocket(socket: Socket) {
    // Through a proxy the socket arrives after CONNECT, its TLS handshake still to come.
    if (!target.proxy) {
      socket.once('lookup', () => (phase = 'tcp'));
      socket.once('connect', () => (phase = afterTcp));
    }
    if (target.secure) socket.once('secureConnect', () => (phase = 'upgrade'));
  }

  return {
    get phase() {
      return phase;
    },
    get proxyStatus() {
      return proxyStatus;
    },
    watch(request: ClientRequest) {
      request.once('proxyConnect', requestOnProxyConnect);
      request.once('socket', requestOnSocket);
      request.end();
    },
  };
}

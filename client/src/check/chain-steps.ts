/**
 * The network steps of `beats-gate-client test`: proxy, edge dns, edge tcp, edge tls, edge
 * upgrade, origin and logstash, all read off one probe tunnel (probeTunnel: the listener's own
 * dial, opened and closed at once, no byte sent). The probe names the part that failed; every
 * part before it passed, since a dial goes through them in this order, so each gets its line.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { failed, passed, type CheckOutcome, type CheckStep } from '@beats-gate/kit';
import type { FailurePart } from '../errors.ts';
import type { DialEdge } from '../tunnel/dial-edge.ts';
import { probeTunnel, type ProbeResult } from '../tunnel/probe-tunnel.ts';

const PARTS = ['proxy', 'dns', 'tcp', 'tls', 'upgrade', 'origin', 'logstash'] as const;
type ChainPart = (typeof PARTS)[number];

const NAMES: Record<ChainPart, string> = {
  proxy: 'proxy',
  dns: 'edge dns',
  tcp: 'edge tcp',
  tls: 'edge tls',
  upgrade: 'edge upgrade',
  origin: 'origin',
  logstash: 'logstash',
};

export interface ChainTarget {
  readonly url: URL;
  /** The proxy as `host:port`, when one applies to the URL. */
  readonly proxy?: string;
  /** Whether --ca-file adds trusted CAs. */
  readonly extraCa: boolean;
  readonly handshakeTimeoutMs: number;
}

/** Where a failure of each part stops the run; the token and the client itself stop it first. */
function failedAt(part: FailurePart): number {
  const index = PARTS.indexOf(part as ChainPart);
  return index < 0 ? 0 : index;
}

function edgeOf(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'wss:' ? '443' : '80')}`;
}

async function resolved(host: string): Promise<string> {
  const name = host.replace(/^\[|\]$/g, '');
  if (isIP(name)) return `${name} is an address, nothing to resolve`;
  try {
    const addresses = await lookup(name, { all: true });
    return `${name} resolves to ${addresses.map((a) => a.address).join(', ')}`;
  } catch {
    // The probe's own lookup succeeded a moment ago; this one only adds detail.
    return `${name} resolved`;
  }
}

async function passedDetail(part: ChainPart, target: ChainTarget, result: ProbeResult) {
  const edge = edgeOf(target.url);
  switch (part) {
    case 'proxy':
      return target.proxy
        ? `${target.proxy} answered CONNECT ${edge} with 200`
        : `none applies: direct to ${edge}`;
    case 'dns':
      return target.proxy
        ? `${target.url.hostname} is resolved by the proxy`
        : await resolved(target.url.hostname);
    case 'tcp':
      return target.proxy ? `connected to ${edge} through the proxy` : `connected to ${edge}`;
    case 'tls':
      return target.url.protocol === 'wss:'
        ? `handshake completed, certificate verified for ${target.url.hostname}` +
            (target.extraCa ? ' (system CAs and --ca-file)' : '')
        : 'not used: a ws:// URL is plain (loopback only)';
    case 'upgrade':
      return result.ok
        ? `101 Switching Protocols, tunnel open after ${result.durationMs} ms`
        : 'the edge accepted the token and passed the upgrade to origin';
    case 'origin':
      return 'the unwrapper accepted the edge assertion';
    case 'logstash':
      return 'the unwrapper connected to Logstash; the tunnel closed (1000) without sending an event';
  }
}

export function chainSteps(
  prefix: string,
  target: ChainTarget,
  dial: DialEdge,
  now: () => number = Date.now,
): CheckStep[] {
  let probe: Promise<ProbeResult> | undefined;
  // The first step opens the probe; the others read its result. Two dial attempts (a refused
  // token is fetched again once), each within the handshake limit, and the close.
  const limitMs = 2 * target.handshakeTimeoutMs + 10_000;
  return PARTS.map((part, index) => ({
    name: `${prefix}${NAMES[part]}`,
    limitMs,
    async run(signal): Promise<CheckOutcome> {
      probe ??= probeTunnel(dial, { signal, now });
      const result = await probe;
      if (result.ok || index < failedAt(result.part)) {
        return passed(await passedDetail(part, target, result));
      }
      return failed(result.message, result.fix);
    },
  }));
}

/**
 * `upstream <host:port>`: dials one Logstash the way a tunnel does (the unwrapper's own
 * connectUpstream: the same timeout, TLS, CA, SNI and client certificate), reports what answered,
 * and closes at once without sending a byte, so Logstash sees a connection and no events.
 */
import type { TLSSocket } from 'node:tls';
import { failed, formatHostPort, passed, type CheckOutcome, type CheckStep } from '@beats-gate/kit';
import type { HostPort, UnwrapperConfig } from '../config/types.ts';
import { connectUpstream, UpstreamConnectError } from '../upstream/connect-upstream.ts';

const DAY_MS = 86_400_000;

/** Every Logstash the configuration can send a tunnel to, once each, with the groups naming it. */
export function listUpstreams(
  config: Pick<UnwrapperConfig, 'upstreams' | 'upstreamGroups'>,
): { target: HostPort; groups: string[] }[] {
  const byLabel = new Map<string, { target: HostPort; groups: string[] }>();
  const add = (group: string, target: HostPort) => {
    const label = formatHostPort(target);
    const found = byLabel.get(label) ?? { target, groups: [] };
    found.groups.push(group);
    byLabel.set(label, found);
  };
  for (const target of config.upstreams) add('default', target);
  for (const [group, targets] of Object.entries(config.upstreamGroups ?? {})) {
    for (const target of targets) add(group, target);
  }
  return [...byLabel.values()];
}

function describeCertificate(socket: TLSSocket, now: number): string {
  const cert = socket.getPeerCertificate();
  const subject = cert.subject?.CN ?? cert.subject?.O ?? 'no subject name';
  const expires = new Date(cert.valid_to);
  const days = Math.floor((expires.getTime() - now) / DAY_MS);
  return (
    `TLS verified (${socket.getProtocol() ?? 'TLS'}), certificate CN=${String(subject)}, ` +
    `expires ${expires.toISOString()} (in ${days} day${days === 1 ? '' : 's'})`
  );
}

/** The cause's code: what Node or OpenSSL said went wrong. */
function causeCode(error: UpstreamConnectError): string {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

function tlsFix(code: string, label: string): string {
  if (code === 'CERT_HAS_EXPIRED') return `renew the certificate of Logstash at ${label}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return 'set upstreamServername to a name the certificate holds, or reissue it for this host';
  }
  if (/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY_LEAF|UNTRUSTED/.test(code)) {
    return "give the CA that signed Logstash's certificate with upstreamCaFile";
  }
  if (/CERTIFICATE_REQUIRED|ALERT_BAD_CERTIFICATE|ALERT_UNKNOWN_CA/.test(code)) {
    return 'Logstash refused our client certificate: set upstreamCertFile/upstreamKeyFile to one its ssl_certificate_authorities trusts';
  }
  return `check that the beats input at ${label} has ssl_enabled => true, or turn upstreamTls off`;
}

function failure(
  error: UpstreamConnectError,
  config: StepConfig,
  target: HostPort,
  option: 'upstreams' | 'upstreamGroups',
): CheckOutcome {
  const label = formatHostPort(target);
  const code = causeCode(error);
  switch (error.reason) {
    case 'ECONNREFUSED':
      return failed(
        `${label} refused the connection: no Logstash listens there`,
        `start Logstash's beats input on ${label}, or remove it from ${option}`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return failed(
        `${target.host} did not resolve (${error.reason})`,
        `correct the host name in ${option}, or check DNS from this machine`,
      );
    case 'ETIMEDOUT':
      return failed(
        `${label} did not answer within ${config.upstreamConnectTimeoutMs} ms`,
        'check the firewall and route to it, or raise upstreamConnectTimeoutMs',
      );
    case 'TLS':
      return failed(`TLS to ${label} failed: ${code || error.message}`, tlsFix(code, label));
    default:
      // Some verification codes name no CERT, and a plain-TCP Logstash answering a TLS hello
      // resets or closes the connection: with TLS on, what is left is the handshake's failure.
      if (config.upstreamTls) {
        return failed(`TLS to ${label} failed: ${code || error.message}`, tlsFix(code, label));
      }
      return failed(error.message, `check that Logstash's beats input listens on ${label}`);
  }
}

type StepConfig = Pick<UnwrapperConfig, 'upstreamConnectTimeoutMs' | 'upstreamTls'>;

export function upstreamStep(
  target: HostPort,
  groups: readonly string[],
  config: StepConfig,
  now: () => number = Date.now,
): CheckStep {
  const label = formatHostPort(target);
  const named = groups.length === 1 && groups[0] === 'default' ? '' : ` [${groups.join(', ')}]`;
  return {
    name: `upstream ${label}${named}`,
    group: 'upstreams',
    async run(signal) {
      let socket;
      try {
        socket = await connectUpstream(target, {
          timeoutMs: config.upstreamConnectTimeoutMs,
          tls: config.upstreamTls,
          signal,
        });
      } catch (error) {
        if (!(error instanceof UpstreamConnectError)) throw error;
        return failure(
          error,
          config,
          target,
          groups.includes('default') ? 'upstreams' : 'upstreamGroups',
        );
      }
      try {
        return passed(
          config.upstreamTls
            ? describeCertificate(socket as TLSSocket, now())
            : `TCP connected to ${socket.remoteAddress ?? label} (no TLS configured)`,
        );
      } finally {
        socket.destroy();
      }
    },
  };
}

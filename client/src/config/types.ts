/** The validated configuration that `loadConfig` produces and `createClient` consumes. */

export type TokenSource =
  | { readonly type: 'static'; readonly token: string }
  | { readonly type: 'file'; readonly path: string }
  | {
      readonly type: 'command';
      /** A string runs with `/bin/sh -c` (cmd.exe on Windows); an array runs without a shell. */
      readonly command: string | readonly string[];
      readonly timeoutMs: number;
    }
  | {
      readonly type: 'oauth';
      readonly tokenUrl: URL;
      readonly clientId: string;
      readonly clientSecret?: string;
      readonly clientSecretFile?: string;
      readonly privateKeyFile?: string;
      readonly signingAlg?: string;
      readonly keyId?: string;
      readonly scope?: string;
      readonly audience?: string;
    };

/** TLS served on a listener (--listen-tls-*): the files are read at start and when they change. */
export interface ListenerTlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** The CA that signs client certificates; given exactly when clientAuthentication is not none. */
  readonly caFile?: string;
  readonly clientAuthentication: 'none' | 'optional' | 'required';
}

export interface ListenerConfig {
  /** Name in logs, metrics and /status; unique. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The edge tunnel URL (wss:, or ws: to a loopback host for local runs). */
  readonly url: URL;
  readonly token: TokenSource;
  /** Extra headers for the upgrade request (never Authorization or hop-by-hop headers). */
  readonly headers: Readonly<Record<string, string>>;
  /** TLS towards Beats; absent: plain TCP (a Beat's own TLS then passes through to Logstash). */
  readonly tls?: ListenerTlsConfig;
}

export interface ClientConfig {
  readonly listeners: readonly ListenerConfig[];
  readonly allowRemote: boolean;
  readonly caFile?: string;
  /** An explicit proxy URL, `direct` for none, or undefined to follow HTTPS_PROXY/NO_PROXY. */
  readonly proxy?: string;
  readonly pingIntervalMs: number;
  readonly handshakeTimeoutMs: number;
  readonly highWaterMark: number;
  readonly maxConnections: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Probe each listener's chain this often while no tunnel opened recently; 0 = off. */
  readonly probeIntervalMs: number;
  readonly tokenRefreshSkewMs: number;
  readonly admin?: { readonly host: string; readonly port: number; readonly metrics: boolean };
  readonly logLevel: string;
}

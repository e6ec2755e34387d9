/** What /status reports per listener and per tunnel: counts, states and expiries, never a token. */
export interface LastError {
  readonly at: string;
  readonly code: string;
  /** The part of the chain that failed (ERROR_POLICY). */
  readonly part: string;
  readonly status?: number;
  readonly message: string;
}

export interface ListenerStatus {
  readonly name: string;
  readonly listen: string;
  readonly url: string;
  readonly activeTunnels: number;
  readonly handshaking: number;
  readonly backoffUntil: string | null;
  readonly consecutiveFailures: number;
  readonly lastError: LastError | null;
  readonly token: { readonly source: string; readonly expiresAt: string | null };
  readonly tunnels: readonly TunnelStatus[];
}

export interface TunnelStatus {
  readonly connectionId: string;
  readonly openedAt: string;
  readonly bytesUp: number;
  readonly bytesDown: number;
  readonly uplinkBuffered: number;
  readonly downlinkBuffered: number;
  readonly beatsPaused: boolean;
  readonly edgePaused: boolean;
}

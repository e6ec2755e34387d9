import type { TokenSource } from '../config/types.ts';

export interface Token {
  readonly value: string;
  /** Expiry in milliseconds since the epoch, when known (JWT `exp` or OAuth `expires_in`). */
  readonly expiresAt?: number;
}

export interface TokenProvider {
  readonly kind: TokenSource['type'];
  /** A token for one new connection; concurrent callers share one fetch. */
  get(): Promise<Token>;
  /** The edge refused this token: forget it so that the next get() fetches a fresh one. */
  invalidate(token: Token): void;
  /** Expiry of the last token handed out, for /status and metrics. */
  readonly expiresAt: number | undefined;
  /** Stops a fetch in progress (a token command's process group is killed); get() then fails. */
  close?(): void;
}

/** A JWT-shaped or opaque bearer token: one line, no spaces, bounded length. */
export function isPlausibleToken(value: string): boolean {
  return value.length > 0 && value.length <= 16_384 && /^[\x21-\x7e]+$/.test(value);
}

/** The one WebSocket route of the edge and of the unwrapper. */
export const TUNNEL_PATH = '/v1/tunnel';

/** Header carrying the edge assertion from the edge worker to the unwrapper. */
export const ASSERTION_HEADER = 'x-beats-gate-assertion';

/**
 * Header carrying the device's address as the edge saw it. Only trusted together with a valid
 * assertion, which also signs the address.
 */
export const CLIENT_ADDRESS_HEADER = 'x-beats-gate-client-address';

/**
 * The one control message of a tunnel: a WebSocket text frame with exactly this text says "the
 * TCP peer on my side sent FIN; no more bytes come from me". Data is always binary, so it cannot
 * be mistaken for data. The receiving end half-closes its own TCP connection after the bytes
 * before it, and the other direction keeps flowing, as on a direct connection (docs/design.md).
 */
export const END_OF_STREAM = 'end';

/** Issuer and audience of edge assertions; they keep an assertion from passing as any other JWT. */
export const ASSERTION_ISSUER = 'beats-gate-edge';
export const ASSERTION_AUDIENCE = 'beats-gate-origin';

/** An assertion lives long enough to cross one hop, never longer (docs/design.md). */
export const ASSERTION_MAX_TTL_SECONDS = 60;

/**
 * JWS algorithms a device token may use: asymmetric only, since with an HMAC algorithm anyone
 * holding the verification key could sign (RFC 8725 §3.1). The edge and the unwrapper's optional
 * re-check share this list.
 */
export const ASYMMETRIC_JWS_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
] as const;

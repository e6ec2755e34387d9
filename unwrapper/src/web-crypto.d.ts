// @beats-gate/protocol is written against Web APIs (it also runs in workerd) and names the DOM's
// global CryptoKey; under Node's types that type lives in node:crypto.
import type { webcrypto } from 'node:crypto';

declare global {
  type CryptoKey = webcrypto.CryptoKey;
}

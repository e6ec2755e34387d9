// @beats-gate/protocol is written against the DOM lib (it also runs in workerd) and names the
// global `CryptoKey` type, which @types/node 22 does not declare globally. Node has the same type
// under webcrypto; this alias lets the client typecheck protocol's sources with Node types only.
import type { webcrypto } from 'node:crypto';

declare global {
  type CryptoKey = webcrypto.CryptoKey;
}
export {};

/**
 * Case 4, the edge: what JWT verification costs per upgrade inside workerd, and how many upgrades
 * per second pass through the worker to the unwrapper.
 *
 * Verification cost is measured by difference, from outside (a worker-side timer is useless:
 * workerd's clock does not advance during synchronous work). Requests of four kinds are sent in
 * turn, each on a connection of its own (the edge's front, like Cloudflare's, ends the connection
 * after refusing an upgrade): a token whose header names an algorithm that is not
 * allowed (refused after parsing the header, before any key or signature work) and, per
 * algorithm, a well-formed token with a corrupted signature (refused after the full signature
 * check). Both get a 401 the same way, after the same connect; the difference of the median
 * round trips is the cost of resolving the key and checking the signature.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import WebSocket from 'ws';
import { generateAssertionKey, TUNNEL_PATH } from '@beats-gate/protocol';
import { startEdge } from '../../edge-worker/local.ts';
import { mintDevToken } from '../../dev/dev-keys.ts';
import type { Chain } from '../lib/chain.ts';
import { median, round } from '../lib/stats.ts';

const ALGORITHMS = ['ES256', 'EdDSA', 'RS256'] as const;
const ISSUER = 'https://bench.beats-gate.invalid/';
const AUDIENCE = 'beats-gate';

export interface EdgeResult {
  requestsPerArm: number;
  /** Median round trip of a request refused after parsing the token header. */
  parseRefusalMs: number;
  /** Per algorithm: median round trip of a refusal after the signature check, and the difference. */
  verify: Record<string, { roundTripMs: number; verifyMs: number }>;
  upgrades: { count: number; concurrency: number; perSecond: number; failures: number };
}

function corruptSignature(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const bytes = Buffer.from(signature, 'base64url');
  bytes[bytes.length >> 1]! ^= 0x55;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
}

function disallowedAlgorithm(token: string): string {
  const [, payload, signature] = token.split('.') as [string, string, string];
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'k-hs' }));
  return `${header.toString('base64url')}.${payload}.${signature}`;
}

async function tokensPerAlgorithm(): Promise<{
  jwks: { keys: JWK[] };
  tokens: Map<string, string>;
}> {
  const keys: JWK[] = [];
  const tokens = new Map<string, string>();
  for (const alg of ALGORITHMS) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `bench-${alg.toLowerCase()}`;
    keys.push({ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' });
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ scope: 'beats:ship' })
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('bench-device')
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey);
    tokens.set(alg, token);
  }
  return { jwks: { keys }, tokens };
}

/** A refusal takes milliseconds; one that has not come in this long never will. */
const REFUSAL_TIMEOUT_MS = 10_000;

function timedUpgradeRequest(port: number, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(
      {
        agent: false,
        host: '127.0.0.1',
        port,
        path: TUNNEL_PATH,
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        res.resume();
        res.once('end', () => {
          if (res.statusCode !== 401) reject(new Error(`edge answered ${res.statusCode}, not 401`));
          else resolve(Number(process.hrtime.bigint() - started) / 1e6);
        });
      },
    );
    req.once('upgrade', () => reject(new Error('edge accepted a token it must refuse')));
    req.once('error', reject);
    req.setTimeout(REFUSAL_TIMEOUT_MS, () =>
      req.destroy(new Error(`the edge did not answer an upgrade in ${REFUSAL_TIMEOUT_MS} ms`)),
    );
    req.end();
  });
}

async function measureVerification(requests: number) {
  const { jwks, tokens } = await tokensPerAlgorithm();
  const edge = await startEdge({
    vars: {
      ORIGIN_URL: 'http://127.0.0.1:9',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_ALGORITHMS: ALGORITHMS.join(','),
      JWKS: JSON.stringify(jwks),
    },
    secrets: { ASSERTION_KEYS: generateAssertionKey('bench-a1') },
    onLog: () => {},
  });
  const port = Number(new URL(edge.url).port);
  const arms = new Map<string, string>([
    ['parse', disallowedAlgorithm(tokens.get('ES256')!)],
    ...ALGORITHMS.map((alg) => [alg, corruptSignature(tokens.get(alg)!)] as [string, string]),
  ]);
  const samples = new Map<string, number[]>([...arms.keys()].map((arm) => [arm, []]));
  try {
    const warmUp = Math.min(30, requests);
    for (let i = 0; i < warmUp + requests; i += 1) {
      for (const [arm, token] of arms) {
        const ms = await timedUpgradeRequest(port, token);
        if (i >= warmUp) samples.get(arm)!.push(ms);
      }
    }
  } finally {
    await edge.dispose();
  }
  const parse = median(samples.get('parse')!);
  const verify = Object.fromEntries(
    ALGORITHMS.map((alg) => {
      const roundTrip = median(samples.get(alg)!);
      return [alg, { roundTripMs: round(roundTrip, 4), verifyMs: round(roundTrip - parse, 4) }];
    }),
  );
  return { parseRefusalMs: round(parse, 4), verify };
}

/** Full upgrades (JWT, assertion, unwrapper, upstream connect) through the chain's edge. */
async function measureUpgrades(chain: Chain, count: number, concurrency: number) {
  const tokens = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      mintDevToken(chain.keys, { sub: `bench-upgrade-${i % 50}`, ttlSeconds: 600 }),
    ),
  );
  const url = `ws://127.0.0.1:${chain.ports.edge}${TUNNEL_PATH}`;
  let next = 0;
  let failures = 0;
  const one = (token: string) =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
      ws.once('open', () => ws.close(1000));
      ws.once('error', () => {
        failures += 1;
        resolve();
      });
      ws.once('close', () => resolve());
      ws.once('unexpected-response', (_req, res) => {
        failures += 1;
        res.resume();
        ws.terminate();
      });
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const token = tokens[next]!;
        next += 1;
        await one(token);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { count, concurrency, perSecond: Math.round(count / seconds), failures };
}

export async function measureEdge(
  chain: Chain,
  options: { requests: number; upgrades: number },
): Promise<EdgeResult> {
  const verification = await measureVerification(options.requests);
  const upgrades = await measureUpgrades(chain, options.upgrades, 8);
  return { requestsPerArm: options.requests, ...verification, upgrades };
}

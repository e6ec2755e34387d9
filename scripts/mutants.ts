/**
 * The mutation check's table: for each property the suite must guard, one small break of the
 * source and the test files that must catch it. scripts/mutation-check.ts applies them one at a
 * time to a scratch copy of the repository.
 *
 * A break is a search-and-replace keyed on a short snippet of today's code. When a refactor moves
 * or rewrites that code the check reports the mutant as stale (snippet not found) instead of
 * passing it: point `files` at the new home, or pick a new snippet, here and nowhere else. A target
 * may list several files; the first that contains the snippet exactly once is patched, so one
 * entry survives code moving between the files named.
 */

export interface Patch {
  /** Candidate files, relative to the repository root, tried in order. */
  readonly files: readonly string[];
  /** Text that must occur exactly once in the file patched. */
  readonly find: string;
  readonly replace: string;
}

export interface TestRun {
  /** A test file, relative to the repository root. */
  readonly file: string;
  /** Only the tests whose name matches (node --test-name-pattern); all of the file without. */
  readonly name?: string;
}

export interface Mutant {
  readonly name: string;
  /** The property the break violates, as the suite should notice it. */
  readonly property: string;
  /** Applied in order; each `find` is looked up after the patches before it. */
  readonly patches: readonly Patch[];
  /** Tried in order until one fails; put the fastest first. */
  readonly tests: readonly TestRun[];
}

export type PatchResult = { ok: true; files: string[] } | { ok: false; problem: string };

/**
 * Applies a mutant's patches through `read`/`write` (files relative to the repository root;
 * `read` gives undefined for a missing file). Each patch goes to the first of its files that holds
 * its snippet exactly once, after the patches before it; a snippet found nowhere makes it stale.
 */
export function applyPatches(
  mutant: Mutant,
  read: (file: string) => string | undefined,
  write: (file: string, text: string) => void,
): PatchResult {
  const patched = new Set<string>();
  for (const patch of mutant.patches) {
    const file = patch.files.find((name) => read(name)?.split(patch.find).length === 2);
    if (file === undefined) {
      return {
        ok: false,
        problem: `snippet ${JSON.stringify(patch.find)} is not found exactly once in ${patch.files.join(' or ')}`,
      };
    }
    write(
      file,
      read(file)!.replace(patch.find, () => patch.replace),
    );
    patched.add(file);
  }
  return { ok: true, files: [...patched] };
}

// The join both ends of the tunnel use; the unwrapper's tunnel tests exercise it at origin.
const TUNNEL = ['kit/src/join/socket-ws-join.ts'];
const UPGRADE = ['unwrapper/src/upgrade/handle-upgrade.ts'];
const DRAIN = ['unwrapper/src/inspect/lumberjack-gate.ts'];
const JSON_SCAN = ['unwrapper/src/inspect/json-scan.ts'];
const E2E_AWARE = 'tests/e2e-lumberjack-aware.test.ts';

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'tunnel-client-leaves',
    property:
      'a client that leaves gets its upstream ended and destroyed, not left to the safety timer',
    patches: [
      {
        files: TUNNEL,
        find: 'else socket.end();',
        replace: "else if (closedBy !== 'websocket') socket.end();",
      },
      {
        files: TUNNEL,
        find: "if (this.#closing?.closedBy !== 'socket' && code !== CloseCode.NORMAL) this.#socket.destroy();",
        replace:
          "if (this.#closing?.closedBy === 'self' && code !== CloseCode.NORMAL) this.#socket.destroy();",
      },
    ],
    tests: [{ file: 'unwrapper/test/tunnel-failures.test.ts' }],
  },
  {
    name: 'tunnel-upstream-leaves',
    property: 'an upstream that fails closes the WebSocket at once, with the code that says why',
    patches: [
      {
        files: TUNNEL,
        find: 'if (ws.readyState === ws.OPEN) ws.close(',
        replace: "if (ws.readyState === ws.OPEN && closedBy !== 'socket') ws.close(",
      },
    ],
    tests: [{ file: 'unwrapper/test/tunnel-failures.test.ts' }],
  },
  {
    name: 'tunnel-drops-a-message',
    property:
      'the tunnel carries every message; losing one fails the tests fast instead of hanging them',
    patches: [
      {
        files: TUNNEL,
        find: 'this.stats.bytesFromWebsocket += chunk.length;',
        // The third message of each tunnel vanishes without a trace.
        replace:
          'const seen = ((this.stats as { seen?: number }).seen ?? 0) + 1;\n    (this.stats as { seen?: number }).seen = seen;\n    if (seen === 3) return;\n    this.stats.bytesFromWebsocket += chunk.length;',
      },
    ],
    tests: [
      { file: 'unwrapper/test/vectors.test.ts' },
      { file: 'unwrapper/test/lumberjack.test.ts' },
    ],
  },
  {
    name: 'connect-first',
    property: 'the unwrapper dials Logstash before it answers 101 (no upgrade without an upstream)',
    patches: [
      // Removed where it is, then put back before the dial.
      {
        files: UPGRADE,
        find: 'let accepted: WebSocket | undefined;\n        deps.wss.handleUpgrade(request, socket, head, (ws) => {\n          accepted = ws;\n        });\n',
        replace: '',
      },
      {
        files: UPGRADE,
        find: 'const abort = new AbortController();',
        replace:
          'let accepted: WebSocket | undefined;\n        deps.wss.handleUpgrade(request, socket, head, (ws) => {\n          accepted = ws;\n        });\n        const abort = new AbortController();',
      },
    ],
    tests: [{ file: 'unwrapper/test/upstreams.test.ts' }],
  },
  {
    name: 'edge-assertion',
    property: 'an upgrade whose edge assertion does not verify is refused',
    patches: [
      {
        files: ['unwrapper/src/upgrade/authenticate.ts'],
        find: "identity = await verifyAssertion(copies[0], request.headers['sec-websocket-key']);",
        replace:
          "identity = await verifyAssertion(copies[0], request.headers['sec-websocket-key']).catch(() => ({ subject: 'unverified', claims: {}, assertionId: crypto.randomUUID(), kid: '' }));",
      },
    ],
    tests: [{ file: 'unwrapper/test/authentication.test.ts' }],
  },
  {
    name: 'ack-after-sink',
    property: 'the receiver acknowledges a window only after its sink resolved',
    patches: [
      {
        files: ['lumberjack/src/receiver/connection.ts'],
        find: 'write(encodeAck(batch.ackSeq, batch.version));\n',
        replace: '',
      },
      {
        files: ['lumberjack/src/receiver/connection.ts'],
        find: 'await sink({',
        replace: 'write(encodeAck(batch.ackSeq, batch.version));\n          await sink({',
      },
    ],
    tests: [{ file: 'lumberjack/src/receiver/receiver.test.ts', name: 'after the sink' }],
  },
  {
    name: 'drain-waits-for-acks',
    property: 'a window-boundary drain closes only once every window sent is acknowledged',
    patches: [{ files: DRAIN, find: 'acks.inFlight === 0', replace: 'acks.inFlight >= 0' }],
    tests: [
      { file: 'unwrapper/test/inspect-drain.test.ts' },
      { file: E2E_AWARE, name: 'drains at a window boundary' },
    ],
  },
  {
    name: 'token-renewal',
    property: 'the client renews its token before it expires',
    patches: [
      {
        files: ['client/src/token/cached-provider.ts'],
        find: 'refreshAt: token.expiresAt - skew',
        replace: 'refreshAt: Infinity',
      },
    ],
    tests: [
      { file: 'client/test/tokens.test.ts' },
      { file: 'tests/e2e-faults.test.ts', name: 'token expires and rotates' },
    ],
  },
  {
    name: 'stamp-overwrites-identity',
    property: "the stamp replaces the identity a device wrote itself: the device's copy is dropped",
    patches: [
      {
        files: JSON_SCAN,
        find: 'if (keyEquals(bytes, start, keyEnd, name)) {',
        replace: 'if (false) {',
      },
    ],
    tests: [
      { file: 'unwrapper/src/inspect/json-stamp.test.ts' },
      { file: 'unwrapper/test/inspect-stamp.test.ts' },
      { file: E2E_AWARE, name: 'stamps the verified subject' },
    ],
  },
  {
    name: 'stamp-drops-escaped-copies',
    property:
      "an escaped spelling of the stamped name (\\u0062eats_gate) cannot smuggle a device's identity past the stamp",
    patches: [
      {
        files: JSON_SCAN,
        find: "return JSON.parse(bytes.toString('utf8', keyStart, keyEnd)) === name.toString('utf8');",
        replace: 'return false;',
      },
    ],
    tests: [{ file: 'unwrapper/src/inspect/json-stamp.test.ts' }],
  },
];

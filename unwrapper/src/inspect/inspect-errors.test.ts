// Every invalid kind closes with its code and reason, a bad window never reaches Logstash whole,
// and fuzzed garbage never crashes the gate nor makes it hold more than its limits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { encodeAck, encodeCompressed, encodeJson, encodeWindow } from '@beats-gate/lumberjack';
import { completeWindows, feed, gateFor, type RunOptions } from './test-support.ts';

const good = Buffer.concat([encodeWindow(1), encodeJson(1, { a: 1 })]);

function cFrame(payload: Buffer): Buffer {
  const header = Buffer.from('2C\0\0\0\0', 'latin1');
  header.writeUInt32BE(payload.length, 2);
  return Buffer.concat([header, payload]);
}

const CASES: [string, Buffer, string, number, RegExp, RunOptions?][] = [
  ['HTTP bytes', Buffer.from('GET / HTTP/1.1\r\n'), 'ERR_LJ_BAD_VERSION', 1003, /version byte/],
  ['unknown frame', Buffer.from('2X'), 'ERR_LJ_UNKNOWN_FRAME', 1003, /unknown frame type/],
  [
    'oversized frame',
    Buffer.from('324a0000000100100001', 'hex'),
    'ERR_LJ_FRAME_TOO_LARGE',
    1009,
    /over maxFrameBytes/,
    { limits: { maxFrameBytes: 1 << 20 } },
  ],
  [
    'window over the limit',
    encodeWindow(5000),
    'ERR_LJ_WINDOW_TOO_LARGE',
    1009,
    /maxWindowSize \(4096\)/,
    { limits: { maxWindowSize: 4096 } },
  ],
  [
    'zip bomb',
    // Valid content all the way (one event of 8 MiB of spaces), so only the cap can stop it.
    Buffer.concat([
      encodeWindow(1),
      cFrame(deflateSync(encodeJson(1, `{${' '.repeat(8 << 20)}}`))),
    ]),
    'ERR_LJ_DECOMPRESSED_TOO_LARGE',
    1009,
    /inflates past/,
    { limits: { maxInflatedBytes: 1 << 20 } },
  ],
  [
    'invalid JSON after valid events of its window',
    Buffer.concat([
      encodeWindow(3),
      encodeJson(1, { a: 1 }),
      encodeJson(2, { b: 2 }),
      encodeJson(3, '{"a":'),
    ]),
    'ERR_LJ_INVALID_JSON',
    1002,
    /seq 3: .*not valid JSON/,
  ],
  [
    'invalid JSON',
    Buffer.concat([encodeWindow(1), encodeJson(1, '{"a":')]),
    'ERR_LJ_INVALID_JSON',
    1002,
    /not valid JSON/,
  ],
  [
    'bad zlib',
    Buffer.concat([encodeWindow(1), cFrame(Buffer.from('nonsense'))]),
    'ERR_LJ_BAD_COMPRESSION',
    1002,
    /zlib/,
  ],
  [
    'event outside a window',
    encodeJson(1, { a: 1 }),
    'ERR_INSPECT_NO_WINDOW',
    1002,
    /outside a window/,
  ],
  ['ack from the Beat', encodeAck(1), 'ERR_INSPECT_UNEXPECTED_ACK', 1002, /ack frame/],
  [
    'W before the window is complete',
    Buffer.concat([encodeWindow(2), encodeJson(1, { a: 1 }), encodeWindow(1)]),
    'ERR_INSPECT_WINDOW_INCOMPLETE',
    1002,
    /after 1 of 2 events/,
  ],
  [
    'C frame spanning two windows',
    Buffer.concat([encodeWindow(1), encodeCompressed([encodeJson(1, {}), encodeWindow(1)])]),
    'ERR_INSPECT_FRAME_SPANS_WINDOWS',
    1003,
    /end of one window/,
  ],
  [
    'claim mismatch with reject',
    Buffer.concat([encodeWindow(1), encodeJson(1, { host: { name: 'other' } })]),
    'ERR_INSPECT_CLAIM_MISMATCH',
    1008,
    /host\.name disagrees/,
    { policyMode: 'reject', checks: [{ field: 'host.name', claim: 'host' }] },
  ],
];

describe('invalid streams', () => {
  for (const [what, bad, code, closeCode, reason, options] of CASES) {
    for (const mode of ['validate', 'stamp'] as const) {
      it(`${what} (${mode}): ${code}, close ${closeCode}, its window never whole at Logstash`, async () => {
        const { gate, written, windows, errors, closes } = gateFor({ mode, ...options });
        await feed(gate, good, [3]);
        await feed(gate, Buffer.concat([bad, good]), [3, 50, 1 << 20]);
        assert.equal(errors.length, 1, 'one error');
        assert.equal(errors[0]!.code, code);
        assert.equal(errors[0]!.closeCode, closeCode);
        assert.match(errors[0]!.message, reason);
        assert.deepEqual(closes, [{ code: closeCode, reason: errors[0]!.message }]);
        // Only the good window before it is whole in what was written, and only it was reported.
        assert.deepEqual(windows, [1]);
        assert.equal(completeWindows(Buffer.concat(written)), 1);
        assert.equal(gate.push(good), false, 'a closed gate takes nothing');
      });
    }
  }

  it('names a stream that opens with a TLS ClientHello, and only one that opens so', async () => {
    const clientHello = Buffer.from('16030100f4010000f00303', 'hex');
    const opened = gateFor();
    await feed(opened.gate, clientHello);
    assert.equal(opened.errors[0]?.code, 'ERR_INSPECT_TLS_CLIENT_HELLO');
    assert.equal(opened.errors[0]?.closeCode, 1003);
    assert.match(opened.errors[0].message, /TLS ClientHello .*--listen-tls-cert-file.*inspect=off/);
    assert.ok(opened.closes[0]!.reason.slice(0, 120).includes('TLS ClientHello'));
    assert.equal(Buffer.concat(opened.written).length, 0);
    // The same bytes after a good window are garbage in a Lumberjack stream, not a setup mistake.
    const later = gateFor();
    await feed(later.gate, Buffer.concat([good, clientHello]));
    assert.equal(later.errors[0]?.code, 'ERR_LJ_BAD_VERSION');
  });

  it('never quotes the payload in the reason, with or without a claims policy', async () => {
    // The reason goes into the close frame and the logs, which never carry payload bytes.
    const bad = Buffer.concat([
      encodeWindow(1),
      encodeJson(1, '{"message":"password=hunter2","host":{"name":"h1"},"x":tru}'),
    ]);
    for (const mode of ['validate', 'stamp'] as const) {
      for (const policyMode of ['off', 'tag', 'reject'] as const) {
        if (mode === 'validate' && policyMode === 'tag') continue;
        const { gate, errors } = gateFor({
          mode,
          policyMode,
          checks: [{ field: 'host.name', claim: 'host' }],
        });
        await feed(gate, bad);
        assert.equal(errors[0]?.code, 'ERR_LJ_INVALID_JSON', `${mode}/${policyMode}`);
        assert.doesNotMatch(errors[0].message, /hunter2|tru\}/, `${mode}/${policyMode}`);
        assert.match(errors[0].message, /expected true at byte \d+/);
      }
    }
  });

  it('tags instead of rejecting with policy tag', async () => {
    const { gate, written, errors } = gateFor({
      policyMode: 'tag',
      checks: [
        { field: 'host.name', claim: 'host' },
        { field: 'agent.id', claim: 'missing' },
      ],
    });
    const input = Buffer.concat([
      encodeWindow(3),
      encodeJson(1, { host: { name: 'other' } }),
      encodeJson(2, { 'host.name': 'h1' }),
      encodeJson(3, { agent: { id: 'x' } }),
    ]);
    await feed(gate, input);
    assert.deepEqual(errors, []);
    assert.equal(gate.stats.claimMismatches, 1);
    const text = Buffer.concat(written).toString('latin1');
    assert.equal(text.match(/"mismatch":\["host.name"\]/g)?.length, 1);
  });
});

describe('fuzz', () => {
  const piece = fc.oneof(
    fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
    fc.constantFrom('2W', '2J', '2C', '1D', '2A').map((s) => Buffer.from(s, 'latin1')),
    fc
      .nat({ max: 0xffffffff })
      .map((n) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])),
    fc.nat({ max: 3 }).map((n) => encodeWindow(n)),
    fc.constant(encodeJson(1, { a: 1 })),
    fc.constant(encodeCompressed([encodeJson(1, { a: 1 })])),
  );
  it('garbage only ever ends in one InspectError, with bounded holding', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('validate' as const, 'stamp' as const),
        async (pieces, sizes, mode) => {
          const limits = { maxFrameBytes: 4096, maxInflatedBytes: 1 << 20 };
          const { gate, errors } = gateFor({ mode, limits });
          const bytes = Buffer.concat(pieces);
          let offset = 0;
          for (let i = 0; offset < bytes.length; i++) {
            const size = sizes[i % sizes.length]!;
            gate.push(bytes.subarray(offset, offset + size));
            offset += size;
            // A frame being read, plus what one push may add before the gate says no more.
            assert.ok(gate.heldBytes <= 4096 + 10 + 64, `held ${gate.heldBytes}`);
          }
          await feed(gate, Buffer.alloc(0));
          assert.ok(errors.length <= 1);
          for (const error of errors)
            assert.ok([1002, 1003, 1008, 1009].includes(error.closeCode), error.message);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

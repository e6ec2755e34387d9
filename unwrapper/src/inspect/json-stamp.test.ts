import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseFieldPath } from './field-path.ts';
import { skipSpace, skipString, skipValue } from './json-scan.ts';
import { createJsonStamper } from './json-stamp.ts';

const value = Buffer.from('{"subject":"dev-1","tunnel_id":"t"}');
const V = value.toString();
const stamp = (text: string, path = '[@metadata][beats_gate]') =>
  createJsonStamper(parseFieldPath(path)).stamp(Buffer.from(text), value).toString('utf8');

interface Member {
  /** The key as a parser reads it (escapes decoded). */
  key: string;
  /** The member's bytes, key to end of value. */
  raw: string;
  /** The value's bytes. */
  valueText: string;
  /** Where its value starts (a byte offset). */
  value: number;
}

/** The members of the object starting at `at`, in the order they are written, duplicates kept. */
function membersOf(text: string, at = skipSpace(Buffer.from(text), 0)): Member[] {
  const bytes = Buffer.from(text);
  const members: Member[] = [];
  let i = skipSpace(bytes, at + 1);
  while (bytes[i] !== 0x7d) {
    const keyEnd = skipString(bytes, i);
    const valueStart = skipSpace(bytes, skipSpace(bytes, keyEnd) + 1);
    const end = skipValue(bytes, valueStart);
    members.push({
      key: JSON.parse(bytes.toString('utf8', i, keyEnd)) as string,
      raw: bytes.toString('utf8', i, end),
      valueText: bytes.toString('utf8', valueStart, end),
      value: valueStart,
    });
    i = skipSpace(bytes, end);
    if (bytes[i] === 0x2c) i = skipSpace(bytes, i + 1);
  }
  return members;
}

describe('json stamp', () => {
  it('adds the field, keeping what the Beat put under @metadata', () => {
    const out = stamp('{"@metadata":{"beat":"filebeat","type":"_doc"},"message":"hi"}');
    assert.deepEqual(JSON.parse(out), {
      '@metadata': {
        beats_gate: { subject: 'dev-1', tunnel_id: 't' },
        beat: 'filebeat',
        type: '_doc',
      },
      message: 'hi',
    });
  });

  it('overwrites a spoofed copy, every duplicate and escaped spelling of it', () => {
    const spoof =
      '{"@metadata":{"beats_gate":{"subject":"evil"},"beat":"fb"},' +
      '"\\u0040metadata":{"beats_gat\\u0065":"evil2","beat":"fb"}, "x" : 1 }';
    const out = stamp(spoof);
    assert.doesNotMatch(out, /evil/);
    // The last @metadata copy is the one parsers keep, so it is the one extended, in its place
    // and with its own key bytes; the first copy is gone.
    assert.equal(out, `{"\\u0040metadata":{"beat":"fb","beats_gate":${V}},"x" : 1}`);
  });

  it('keeps other members byte for byte: big integers, escapes, spacing between them', () => {
    const text = '{ "id" : 12345678901234567890123 , "s":"a\\"b\\\\", "n":[1.50, {"k" :null}] }';
    const out = stamp(text, 'beats_gate');
    // The added member goes last: nothing the Beat wrote moves.
    assert.equal(
      out,
      `{"id" : 12345678901234567890123 , "s":"a\\"b\\\\", "n":[1.50, {"k" :null}],"beats_gate":${V}}`,
    );
  });

  it('replaces a non-object parent and handles the empty object', () => {
    assert.equal(stamp('{"@metadata":"str"}'), `{"@metadata":{"beats_gate":${V}}}`);
    assert.equal(stamp(' {} '), `{"@metadata":{"beats_gate":${V}}}`);
    // The device's non-object copy is removed, wherever it was, and ours goes last.
    assert.equal(
      stamp('{"a":1,"@metadata":5,"b":2}'),
      `{"a":1,"b":2,"@metadata":{"beats_gate":${V}}}`,
    );
    // An object copy is the parent whatever comes after it; the non-object copy is still removed.
    assert.equal(
      stamp('{"a":1,"@metadata":{"beat":"fb"},"b":2,"@metadata":[0],"c":3}'),
      `{"a":1,"@metadata":{"beat":"fb","beats_gate":${V}},"b":2,"c":3}`,
    );
    assert.equal(stamp('{"@metadata":{}}'), `{"@metadata":{"beats_gate":${V}}}`);
  });

  it('keeps member order: the parent stays in its place, the field goes last inside it', () => {
    const middle =
      '{"@timestamp":"2025-01-01T00:00:00Z","@metadata":{"beat":"filebeat","type":"_doc"},' +
      '"message":"hi","seq":1}';
    assert.equal(
      stamp(middle),
      '{"@timestamp":"2025-01-01T00:00:00Z",' +
        `"@metadata":{"beat":"filebeat","type":"_doc","beats_gate":${V}},"message":"hi","seq":1}`,
    );
    const end = '{ "message" : "hi" , "@metadata" : { "beat" : "fb" } }';
    assert.equal(stamp(end), `{"message" : "hi","@metadata" : {"beat" : "fb","beats_gate":${V}}}`);
    // No parent: the new one goes last in the event.
    assert.equal(
      stamp('{"message":"hi","seq":1}'),
      `{"message":"hi","seq":1,"@metadata":{"beats_gate":${V}}}`,
    );
    // A spoofed field in the middle of the parent is removed; ours still goes last in it.
    assert.equal(
      stamp('{"m":1,"@metadata":{"a":1,"beats_gate":"x","b":2,"beats_g\\u0061te":{},"c":3},"n":2}'),
      `{"m":1,"@metadata":{"a":1,"b":2,"c":3,"beats_gate":${V}},"n":2}`,
    );
  });

  it('keeps member order at every level of a nested path', () => {
    const path = '[a][b][c]';
    assert.equal(
      stamp('{"x":1,"a":{"p":1,"b":{"q":2,"c":"spoof","r":3},"s":4},"y":2}', path),
      `{"x":1,"a":{"p":1,"b":{"q":2,"r":3,"c":${V}},"s":4},"y":2}`,
    );
    // The first level the event lacks is added last in its parent, with the rest of the path.
    assert.equal(
      stamp('{"x":1,"a":{"p":1,"s":4},"y":2}', path),
      `{"x":1,"a":{"p":1,"s":4,"b":{"c":${V}}},"y":2}`,
    );
    assert.equal(
      stamp('{"x":1,"a":{"b":7,"p":1,"\\u0062":null},"y":2}', path),
      `{"x":1,"a":{"p":1,"b":{"c":${V}}},"y":2}`,
    );
    assert.equal(stamp('{"x":1,"a":[],"y":2}', path), `{"x":1,"y":2,"a":{"b":{"c":${V}}}}`);
    assert.equal(stamp('{"a":{"b":{}}}', path), `{"a":{"b":{"c":${V}}}}`);
  });

  it('writes at an offset after a separate scan, within maxLength', () => {
    const stamper = createJsonStamper(['@metadata', 'beats_gate']);
    const payload = Buffer.from('{"a":1,"@metadata":{"beats_gate":1,"beat":"fb"},"b":2}');
    const member = stamper.member(value);
    const target = Buffer.alloc(7 + stamper.maxLength(payload, member), 0xff);
    stamper.scan(payload);
    const end = stamper.write(payload, member, target, 7);
    assert.equal(
      target.toString('utf8', 7, end),
      `{"a":1,"@metadata":{"beat":"fb","beats_gate":${V}},"b":2}`,
    );
    assert.ok(target.subarray(0, 7).every((byte) => byte === 0xff));
    assert.ok(end <= target.length);
  });

  it('random events: the field is ours, everything else decodes identical', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('@metadata', 'beats_gate', 'host'));
    const event = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 });
    const spoof = fc.option(fc.jsonValue({ maxDepth: 2 }));
    fc.assert(
      fc.property(event, spoof, fc.boolean(), (base, spoofed, pretty) => {
        const input: Record<string, unknown> = { ...base };
        if (spoofed !== null) {
          const meta = input['@metadata'];
          input['@metadata'] =
            meta && typeof meta === 'object' && !Array.isArray(meta)
              ? { ...meta, beats_gate: spoofed }
              : { beats_gate: spoofed };
        }
        const text = JSON.stringify(input, null, pretty ? 2 : undefined);
        const out = JSON.parse(stamp(text)) as Record<string, unknown>;
        // What a JSON parser makes of the input (-0 is written as 0, for one).
        const parsed = JSON.parse(text) as Record<string, unknown>;
        const meta = parsed['@metadata'];
        const expectedMeta = {
          ...(meta && typeof meta === 'object' && !Array.isArray(meta) ? meta : {}),
          beats_gate: JSON.parse(value.toString()) as unknown,
        };
        assert.deepEqual(out, { ...parsed, '@metadata': expectedMeta });
      }),
      { numRuns: 400 },
    );
  });
});

describe('json stamp against a reference', () => {
  const sp = fc.constantFrom('', ' ', '\n  ', '\t');
  const json = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v));
  const spelled = (...spellings: string[]) => fc.constantFrom(...spellings);
  const other = fc
    .oneof(fc.string({ maxLength: 5 }), fc.constantFrom('host', 'beat', 'beats_gate', '@meta'))
    .map((key) => JSON.stringify(key));
  /** An object's text from its members, written in order, duplicates included. */
  const object = (members: fc.Arbitrary<[string, string][]>) =>
    fc
      .tuple(members, sp)
      .map(([list, s]) =>
        list.length === 0
          ? `{${s}}`
          : `{${s}${list.map(([k, v]) => `${k}${s}:${s}${v}`).join(`${s},${s}`)}${s}}`,
      );
  const field = spelled('"beats_gate"', '"beats_gat\\u0065"', '"\\u0062eats_gate"');
  const metadata = object(fc.array(fc.tuple(fc.oneof(field, other), json), { maxLength: 5 }));
  const parent = spelled('"@metadata"', '"\\u0040metadata"', '"@m\\u0065tadata"');
  const event = object(
    fc.array(fc.oneof(fc.tuple(other, json), fc.tuple(parent, fc.oneof(metadata, json))), {
      maxLength: 7,
    }),
  );
  const stamper = createJsonStamper(['@metadata', 'beats_gate']);
  const ours = JSON.parse(V) as unknown;

  it('parses as the event with the device copies removed and the field set, nothing moved', () => {
    fc.assert(
      fc.property(event, sp, (text, outer) => {
        const payload = Buffer.from(`${outer}${text}${outer}`);
        const bytes = stamper.stamp(payload, value);
        assert.ok(bytes.length <= stamper.maxLength(payload, stamper.member(value)));
        const out = bytes.toString('utf8');

        // The reference: what a last-wins parser makes of the event, with the parent taken from
        // the last @metadata copy that is an object (the one the stamper keeps), the field set.
        const members = membersOf(text);
        const kept = members.findLast((m) => m.key === '@metadata' && m.valueText[0] === '{');
        const meta = kept ? (JSON.parse(kept.valueText) as Record<string, unknown>) : {};
        delete meta['beats_gate'];
        const parsed = JSON.parse(text) as Record<string, unknown>;
        assert.deepEqual(JSON.parse(out), {
          ...parsed,
          '@metadata': { ...meta, beats_gate: ours },
        });

        // Order: the event's other members, byte for byte and in order; one @metadata, in the
        // place of the copy kept, or last.
        const stamped = membersOf(out);
        const others = (list: Member[], name: string) =>
          list.filter((m) => m.key !== name).map((m) => m.raw);
        assert.deepEqual(others(stamped, '@metadata'), others(members, '@metadata'));
        const at = stamped.findIndex((m) => m.key === '@metadata');
        assert.equal(
          stamped.findLastIndex((m) => m.key === '@metadata'),
          at,
        );
        const place = kept
          ? others(members.slice(0, members.indexOf(kept)), '@metadata').length
          : stamped.length - 1;
        assert.equal(at, place);

        // Inside it: the kept copy's other members in order, then the field, once.
        const inside = membersOf(out, stamped[at]!.value);
        const before = kept ? others(membersOf(text, kept.value), 'beats_gate') : [];
        assert.deepEqual(
          inside.map((m) => m.raw),
          [...before, `"beats_gate":${V}`],
        );
      }),
      { numRuns: 1000 },
    );
  });
});

describe('field path', () => {
  it('accepts the three forms and refuses the rest with the reason', () => {
    assert.deepEqual(parseFieldPath('[@metadata][beats_gate]'), ['@metadata', 'beats_gate']);
    assert.deepEqual(parseFieldPath('@metadata.beats_gate'), ['@metadata', 'beats_gate']);
    assert.deepEqual(parseFieldPath('beats_gate'), ['beats_gate']);
    assert.throws(() => parseFieldPath('[a]b'), /expected \[a\]\[b\]/);
    assert.throws(() => parseFieldPath('a..b'), /must be non-empty/);
    assert.throws(() => parseFieldPath('a.b.c.d.e'), /at most 4 levels/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseFieldPath } from './field-path.ts';
import { createJsonStamper } from './json-stamp.ts';

const value = Buffer.from('{"subject":"dev-1","tunnel_id":"t"}');
const stamp = (text: string, path = '[@metadata][beats_gate]') =>
  createJsonStamper(parseFieldPath(path)).stamp(Buffer.from(text), value).toString('utf8');

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
    // The last @metadata copy is the one parsers keep, so it is the one extended.
    assert.deepEqual(JSON.parse(out), {
      '@metadata': { beats_gate: { subject: 'dev-1', tunnel_id: 't' }, beat: 'fb' },
      x: 1,
    });
  });

  it('keeps other members byte for byte: big integers, escapes, spacing between them', () => {
    const text = '{ "id" : 12345678901234567890123 , "s":"a\\"b\\\\", "n":[1.50, {"k" :null}] }';
    const out = stamp(text, 'beats_gate');
    assert.equal(
      out,
      '{"beats_gate":{"subject":"dev-1","tunnel_id":"t"},"id" : 12345678901234567890123 , "s":"a\\"b\\\\", "n":[1.50, {"k" :null}]}',
    );
  });

  it('replaces a non-object parent and handles the empty object', () => {
    assert.equal(stamp('{"@metadata":"str"}'), `{"@metadata":{"beats_gate":${value.toString()}}}`);
    assert.equal(stamp(' {} '), `{"@metadata":{"beats_gate":${value.toString()}}}`);
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

import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkJsonObject,
  forEachElement,
  forEachMember,
  JsonScanError,
  ObjectRuns,
  skipValue,
} from './json-scan.ts';

/** What the codec accepts as a J payload: UTF-8 that JSON.parse turns into an object. */
function parsesToObject(bytes: Buffer): boolean {
  if (!isUtf8(bytes)) return false;
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

function scans(bytes: Buffer): boolean {
  let checked: unknown;
  try {
    checkJsonObject(bytes);
    checked = true;
  } catch (error) {
    checked = error;
  }
  try {
    checkJsonObject(bytes, new ObjectRuns(NAME));
    // The check alone and the scan for members accept and refuse the same bytes.
    assert.equal(checked, true);
    return true;
  } catch (error) {
    assert.ok(checked instanceof JsonScanError, 'the check accepted what the scan refused');
    assert.ok(error instanceof JsonScanError, `unexpected ${String(error)}`);
    assert.ok(error.offset >= 0 && error.offset <= bytes.length);
    return false;
  }
}

/** The key the run scan looks for; its copies are what the stamper removes. */
const NAME = Buffer.from('k');

function agree(bytes: Buffer) {
  assert.equal(
    scans(bytes),
    parsesToObject(bytes),
    `disagree on ${JSON.stringify(bytes.toString('latin1'))}`,
  );
}

/** Characters that matter to JSON's grammar, and a few that look like they might. */
const ALPHABET = [
  ...'{}[]",:\\/ 0123456789.eE+-truefalsnbu',
  '\t',
  '\n',
  '\r',
  '\f',
  '\v',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u00a0',
  '\ufeff',
  'é',
  '😀',
  'x',
  'A',
  'F',
];

const event = fc
  .dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 })
  .chain((value) =>
    fc.constantFrom(
      JSON.stringify(value),
      JSON.stringify(value, null, 2),
      JSON.stringify(value, null, '\t'),
    ),
  );

const mutation = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 3 }),
  insert: fc.array(fc.constantFrom(...ALPHABET), { maxLength: 3 }),
});

describe('json scan', () => {
  it('accepts every object JSON.stringify writes', () => {
    fc.assert(
      fc.property(event, (text) => assert.ok(scans(Buffer.from(text)), text)),
      {
        numRuns: 500,
      },
    );
  });

  it('agrees with JSON.parse on mutated events', () => {
    fc.assert(
      fc.property(event, fc.array(mutation, { minLength: 1, maxLength: 3 }), (text, edits) => {
        let mutated = text;
        for (const { at, remove, insert } of edits) {
          const i = at % (mutated.length + 1);
          mutated = mutated.slice(0, i) + insert.join('') + mutated.slice(i + remove);
        }
        agree(Buffer.from(mutated));
      }),
      { numRuns: 4000 },
    );
  });

  it('agrees with JSON.parse on short strings over the grammar alphabet', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ALPHABET), { maxLength: 12 }), (chars) =>
        agree(Buffer.from(chars.join(''))),
      ),
      { numRuns: 4000 },
    );
  });

  it('agrees with JSON.parse on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => agree(Buffer.from(bytes))),
      { numRuns: 2000 },
    );
  });

  it('agrees with JSON.parse on the edge cases of numbers, escapes and literals', () => {
    const values = [
      '0',
      '-0',
      '01',
      '-01',
      '1.',
      '.5',
      '1.5',
      '1e5',
      '1E+5',
      '1e-5',
      '1e',
      '1e+',
      '-',
      '+1',
      '0x1',
      'NaN',
      'Infinity',
      '1e400',
      '12345678901234567890123',
      '"\\u00e9"',
      '"\\u00E9"',
      '"\\u00g9"',
      '"\\u12"',
      '"\\x"',
      '"\\/"',
      '"\\ud800"',
      '"a\tb"',
      '"\u007f"',
      'true',
      'tru',
      'truee',
      'null',
      'nul',
      'false',
      'False',
      '[]',
      '[,]',
      '[1,]',
      '{}',
      '{,}',
      '{"a"}',
      '{"a":}',
      '{"a":1,}',
      '[1 2]',
      '"unterminated',
    ];
    for (const value of values) {
      agree(Buffer.from(`{"k":${value}}`));
      agree(Buffer.from(`{"k": [${value}] }`));
    }
    for (const text of [
      '',
      ' ',
      '{',
      '}',
      '[]',
      '"s"',
      '1',
      'null',
      '{} {}',
      '{}x',
      '\ufeff{}',
      ' \t\r\n{}\n',
    ]) {
      agree(Buffer.from(text));
    }
    agree(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])); // invalid UTF-8 in a key
  });

  it('handles nesting far deeper than the call stack allows', () => {
    const depth = 200_000;
    const deep = Buffer.from(`{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    agree(deep);
    const open = Buffer.from(`{"a":${'['.repeat(depth)}}`);
    agree(open);
    assert.equal(skipValue(Buffer.from('[[1],{"a":[]}] tail'), 0), 14);
  });

  it('reads the runs to keep and the last object value of the name, and lets go of grown arrays', () => {
    const runs = new ObjectRuns(NAME);
    const text = '{ "a" : 1, "k":{"x":1}, "b":[2], "\\u006b":"s", "c":{} }';
    checkJsonObject(Buffer.from(text), runs);
    const run = (r: number) => text.slice(runs.offsets[r * 2], runs.offsets[r * 2 + 1]);
    assert.deepEqual([run(0), run(1), run(2)], ['"a" : 1', '"b":[2]', '"c":{}']);
    assert.equal(runs.offsets.length / 2, 3);
    // The escaped copy is a string, so the object value kept is the first copy's.
    assert.equal(text.slice(runs.parentValue, runs.parentValue + 7), '{"x":1}');
    // And where that copy's key is, and that one run comes before it: the stamper's place for it.
    assert.equal(text.slice(runs.parentKey, runs.parentValue), '"k":');
    assert.equal(runs.parentRun, 1);
    checkJsonObject(Buffer.from('{"a":1,"k":[],"b":2}'), runs);
    assert.deepEqual(
      [runs.offsets.length / 2, runs.parentValue, runs.parentKey, runs.parentRun],
      [2, -1, -1, 2],
    );
    checkJsonObject(Buffer.from('{"k":{},"a":1,"k":{ }}'), runs);
    assert.deepEqual([runs.offsets.length / 2, runs.parentKey, runs.parentRun], [1, 14, 1]);
    const many = `{${Array.from({ length: 70_000 }, (_, i) => `"${i}":0,"k":0`).join(',')}}`;
    checkJsonObject(Buffer.from(many), runs);
    assert.equal(runs.offsets.length / 2, 70_000);
    assert.equal(runs.parentValue, -1);
    runs.release();
    assert.ok(runs.offsets.length <= 1024, `kept ${runs.offsets.length} offsets`);
  });

  it('names where the bytes stop being JSON', () => {
    assert.throws(() => checkJsonObject(Buffer.from('{"a":1,}'), new ObjectRuns(NAME)), {
      name: 'JsonScanError',
      message: 'expected a key at byte 7',
    });
    assert.throws(
      () => checkJsonObject(Buffer.from('{"a":"b\nc"}'), new ObjectRuns(NAME)),
      /escaped control character in a string at byte 7/,
    );
    assert.throws(
      () => checkJsonObject(Buffer.from('[1]'), new ObjectRuns(NAME)),
      /expected a JSON object at byte 0/,
    );
    assert.throws(
      () => checkJsonObject(Buffer.from('{} x'), new ObjectRuns(NAME)),
      /expected the end of the event at byte 3/,
    );
  });
});

function members(text: string): { key: string; value: string }[] {
  const bytes = Buffer.from(text);
  const seen: { key: string; value: string }[] = [];
  const end = forEachMember(bytes, 0, seen, (b, keyStart, keyEnd, valueStart, into) => {
    const valueEnd = skipValue(b, valueStart);
    into.push({
      key: b.toString('utf8', keyStart, keyEnd),
      value: b.toString('utf8', valueStart, valueEnd),
    });
    return valueEnd;
  });
  assert.equal(end, bytes.length);
  return seen;
}

function elements(text: string): string[] {
  const bytes = Buffer.from(text);
  const seen: string[] = [];
  const end = forEachElement(bytes, 0, seen, (b, at, into) => {
    const valueEnd = skipValue(b, at);
    into.push(b.toString('utf8', at, valueEnd));
    return valueEnd;
  });
  assert.equal(end, bytes.length);
  return seen;
}

describe('forEachMember', () => {
  it('visits every member in order, duplicates and spacing included', () => {
    assert.deepEqual(members('{ "a" : 1 ,"b":{"c":[2]},\n"a":"x"\t}'), [
      { key: '"a"', value: '1' },
      { key: '"b"', value: '{"c":[2]}' },
      { key: '"a"', value: '"x"' },
    ]);
  });

  it('visits nothing in an empty object', () => {
    assert.deepEqual(members('{ }'), []);
  });

  it('refuses what is not an object, or a member list that does not continue', () => {
    assert.throws(() => members('[1]'), JsonScanError);
    assert.throws(() => members('{"a" 1}'), JsonScanError);
    assert.throws(() => members('{"a":1 "b":2}'), JsonScanError);
    assert.throws(() => members('{1:2}'), JsonScanError);
  });
});

describe('forEachElement', () => {
  it('visits a value that is not an array once', () => {
    assert.deepEqual(elements('{"a":[1]}'), ['{"a":[1]}']);
    assert.deepEqual(elements('"s"'), ['"s"']);
  });

  it('flattens arrays inside arrays and skips empty ones', () => {
    assert.deepEqual(elements('[1, [ ], [[2, {"x":[3]}]], "y"]'), ['1', '2', '{"x":[3]}', '"y"']);
    assert.deepEqual(elements('[[[]]]'), []);
  });

  it('walks 200k nested arrays without a call stack', () => {
    const depth = 200_000;
    assert.deepEqual(elements('['.repeat(depth) + '7' + ']'.repeat(depth)), ['7']);
  });

  it('refuses an array that does not continue', () => {
    assert.throws(() => elements('[1 2]'), JsonScanError);
    assert.throws(() => elements('[1'), JsonScanError);
  });
});

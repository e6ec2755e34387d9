import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createKeySet, forEachElement, forEachMember } from './json-members.ts';
import { JsonScanError, skipValue } from './json-scan.ts';

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

describe('createKeySet', () => {
  const keys = createKeySet(['host', 'host.name', 'id']);
  function indexOf(key: string): number {
    const bytes = Buffer.from(key);
    return keys.indexOf(bytes, 0, bytes.length);
  }

  it('finds a name spelled plainly', () => {
    assert.equal(indexOf('"host"'), 0);
    assert.equal(indexOf('"host.name"'), 1);
    assert.equal(indexOf('"id"'), 2);
    assert.equal(indexOf('"hosts"'), -1);
    assert.equal(indexOf('"hosT"'), -1);
    assert.equal(indexOf('""'), -1);
  });

  it('finds a name spelled with escapes', () => {
    assert.equal(indexOf('"host\\u002ename"'), 1);
    assert.equal(indexOf('"\\u0068ost"'), 0);
    assert.equal(indexOf('"\\u0069\\u0064"'), 2);
    assert.equal(indexOf('"host\\u002eid"'), -1);
    assert.equal(indexOf('"\\n"'), -1);
  });
});

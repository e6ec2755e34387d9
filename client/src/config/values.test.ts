import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toBoolean, toHeaders, toInteger } from './values.ts';

describe('config value converters', () => {
  it('reads booleans and integers from strings and JSON values', () => {
    const problems: string[] = [];
    assert.equal(toBoolean('yes', 'X', problems), true);
    assert.equal(toBoolean(false, 'X', problems), false);
    assert.equal(toInteger('42', 'X', { min: 0, max: 100 }, problems), 42);
    assert.equal(toInteger(7, 'X', { min: 0, max: 100 }, problems), 7);
    assert.deepEqual(problems, []);
    assert.equal(toInteger('4.5', 'X', { min: 0, max: 100 }, problems), undefined);
    assert.equal(toBoolean('maybe', 'Y', problems), undefined);
    assert.equal(problems.length, 2);
  });

  it('reads headers from flags, JSON text and objects, refusing reserved names and line breaks', () => {
    const problems: string[] = [];
    assert.deepEqual(toHeaders(['X-A: 1', 'X-B:two words'], '--header', problems), {
      'X-A': '1',
      'X-B': 'two words',
    });
    assert.deepEqual(toHeaders('{"X-C":"3"}', 'ENV', problems), { 'X-C': '3' });
    assert.deepEqual(problems, []);
    toHeaders(
      { 'Sec-WebSocket-Protocol': 'x', 'X-D': 'a\r\nInjected: 1', 'bad name': 'v' },
      'file',
      problems,
    );
    assert.equal(problems.length, 3);
    assert.ok(!problems.join().includes('Injected'), 'a header value was echoed');
  });
});

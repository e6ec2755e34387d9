import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactOutput } from './redact-output.ts';

describe('redactOutput', () => {
  it('removes tokens, credentials and secret values, keeping the words around them', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkZXZpY2UtMSJ9.c2lnbmF0dXJl';
    const text = [
      `fetch-token: issuer refused ${jwt}`,
      'retrying https://fleet:hunter2@idp.example.com/token',
      'Authorization: Bearer abc.def',
      'client_secret=s3cr3t password: "two words" api-key=k1',
      'key 0123456789abcdef0123456789abcdef done',
    ].join('\n');
    const line = redactOutput(text, 4096);
    for (const secret of [
      jwt,
      'eyJ',
      'hunter2',
      'abc.def',
      's3cr3t',
      'two words',
      'k1',
      '0123456789abcdef',
    ]) {
      assert.ok(!line.includes(secret), `${secret} survived: ${line}`);
    }
    assert.match(line, /^fetch-token: issuer refused \[redacted\] \| retrying https:/);
    assert.match(line, /idp\.example\.com\/token/);
    assert.match(line, /\| key \[redacted\] done$/);
  });

  it('keeps the last bytes only, on one line', () => {
    const long = `${'first words '.repeat(100)}\nlast line: permission denied\n`;
    const line = redactOutput(long, 64);
    assert.ok(Buffer.byteLength(line) <= 64, line);
    assert.match(line, /^….*\| last line: permission denied$/);
    assert.equal(redactOutput(' \n '), '');
  });

  it('redacts before cutting, so a secret at the cut is not left half visible', () => {
    const secret = 'A'.repeat(40);
    const line = redactOutput(`${secret} tail`, 20);
    assert.ok(!line.includes('AAAA'), line);
  });
});

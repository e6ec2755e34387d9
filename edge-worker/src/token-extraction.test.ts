import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractToken, type TokenExtractionOptions } from './token-extraction.ts';

const options: TokenExtractionOptions = {
  maxTokenBytes: 64,
  rejectedQueryParams: ['access_token', 'token', 'jwt'],
};

function request(headers: Record<string, string>, query = '') {
  return new Request(`https://edge.example/v1/tunnel${query}`, { headers });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('extractToken', () => {
  it('reads a bearer token with any scheme case', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      assert.deepEqual(extractToken(request({ authorization: `${scheme} a.b.c` }), options), {
        token: 'a.b.c',
        from: 'header',
      });
    }
  });

  it('refuses missing, foreign-scheme, malformed and oversized headers', () => {
    assert.equal(
      codeOf(() => extractToken(request({}), options)),
      'ERR_EDGE_TOKEN_MISSING',
    );
    assert.equal(
      codeOf(() => extractToken(request({ authorization: 'Basic dTpw' }), options)),
      'ERR_EDGE_TOKEN_MISSING',
    );
    for (const bad of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer a,b']) {
      assert.equal(
        codeOf(() => extractToken(request({ authorization: bad }), options)),
        'ERR_EDGE_TOKEN_MALFORMED',
        bad,
      );
    }
    assert.equal(
      codeOf(() => extractToken(request({ authorization: `Bearer ${'a'.repeat(65)}` }), options)),
      'ERR_EDGE_TOKEN_TOO_LARGE',
    );
  });

  it('refuses a token in the URL unless enabled', () => {
    assert.equal(
      codeOf(() => extractToken(request({}, '?access_token=a.b.c'), options)),
      'ERR_EDGE_TOKEN_IN_URL',
    );
    const enabled = { ...options, queryTokenParam: 'jwt' };
    assert.deepEqual(extractToken(request({}, '?jwt=a.b.c'), enabled), {
      token: 'a.b.c',
      from: 'query',
    });
    assert.equal(
      codeOf(() => extractToken(request({ authorization: 'Bearer x.y.z' }, '?jwt=a.b.c'), enabled)),
      'ERR_EDGE_TOKEN_AMBIGUOUS',
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeByte,
  isLumberjackError,
  LumberjackError,
  type LumberjackErrorCode,
} from './errors.ts';

/**
 * What a receiver might do per code. The `never` check makes this test stop compiling when a code
 * is added without being handled, which is the point of the union.
 */
function retryable(code: LumberjackErrorCode): boolean {
  switch (code) {
    case 'ERR_LJ_TRUNCATED':
      return true;
    case 'ERR_LJ_BAD_VERSION':
    case 'ERR_LJ_UNKNOWN_FRAME':
    case 'ERR_LJ_FRAME_TOO_LARGE':
    case 'ERR_LJ_WINDOW_TOO_LARGE':
    case 'ERR_LJ_DECOMPRESSED_TOO_LARGE':
    case 'ERR_LJ_NESTED_COMPRESSION':
    case 'ERR_LJ_BAD_COMPRESSION':
    case 'ERR_LJ_INVALID_JSON':
    case 'ERR_LJ_INVALID_FRAME':
      return false;
    default: {
      const unhandled: never = code;
      throw new Error(`unhandled ${String(unhandled)}`);
    }
  }
}

describe('LumberjackError', () => {
  it('carries a literal code, a name, a message and a cause', () => {
    const cause = new Error('zlib said no');
    const error = new LumberjackError('ERR_LJ_BAD_COMPRESSION', 'bad stream', { cause });
    assert.ok(error instanceof Error);
    assert.ok(isLumberjackError(error));
    assert.equal(isLumberjackError(cause), false);
    assert.equal(error.name, 'LumberjackError');
    assert.equal(error.code, 'ERR_LJ_BAD_COMPRESSION');
    assert.equal(error.message, 'bad stream');
    assert.equal(error.cause, cause);
    assert.equal(retryable(error.code), false);
    assert.equal(retryable('ERR_LJ_TRUNCATED'), true);
  });

  it('shows wire bytes readably', () => {
    assert.equal(describeByte(0x57), "'W' (0x57)");
    assert.equal(describeByte(0x00), '0x00');
    assert.equal(describeByte(0xff), '0xff');
  });
});

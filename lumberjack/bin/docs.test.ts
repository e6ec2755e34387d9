// The option tables in lumberjack/README.md are the ones the commands load with.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { findOptionsTable, renderOptionsTable } from '@beats-gate/kit';
import { RECEIVER_COMMAND } from './receiver-command.ts';
import { SEND_COMMAND } from './send-command.ts';

const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');

describe('lumberjack/README.md', () => {
  for (const command of [RECEIVER_COMMAND, SEND_COMMAND]) {
    it(`holds ${command.name}'s option table as the code renders it`, () => {
      assert.equal(findOptionsTable(readme, command.name), renderOptionsTable(command));
    });
  }
});

// Every command whose option table a docs page holds, and the page: docs-options.ts rewrites
// them, tests/docs-options.test.ts compares them.
import type { CommandSpec } from '@beats-gate/kit';
import { CLIENT_COMMAND } from '../client/src/config/options.ts';
import { START_COMMAND, TOKEN_COMMAND } from '../dev/dev-commands.ts';
import { RECEIVER_COMMAND } from '../lumberjack/bin/receiver-command.ts';
import { SEND_COMMAND } from '../lumberjack/bin/send-command.ts';
import { UNWRAPPER_COMMAND } from '../unwrapper/src/config/options.ts';

export const DOCUMENTED: readonly { page: string; command: CommandSpec }[] = [
  { page: 'docs/client.md', command: CLIENT_COMMAND },
  { page: 'docs/unwrapper.md', command: UNWRAPPER_COMMAND },
  { page: 'lumberjack/README.md', command: RECEIVER_COMMAND },
  { page: 'lumberjack/README.md', command: SEND_COMMAND },
  { page: 'docs/getting-started.md', command: START_COMMAND },
  { page: 'docs/getting-started.md', command: TOKEN_COMMAND },
];

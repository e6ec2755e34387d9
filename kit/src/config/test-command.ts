// A small command for the kit's own tests: one option of every kind the loader treats apart.
import kitPackage from '../../package.json' with { type: 'json' };
import { defineCommand } from './command.ts';
import { bool, hostPort, hostPortList, int, level, list, secret, text } from './kinds.ts';
import { option } from './option.ts';

export const TEST_COMMAND = defineCommand({
  name: 'kit-test',
  summary: 'A command for the tests of the kit.',
  version: kitPackage.version,
  envPrefix: 'BEATS_GATE_KIT_TEST_',
  entries: { key: 'listeners', label: 'listener' },
  options: {
    target: option(hostPort({ minPort: 1 }), 'where to send', { argument: true }),
    listen: option(hostPort(), 'where to listen', {
      default: { host: '127.0.0.1', port: 5044 },
      inEntries: true,
    }),
    name: option(text('<name>'), 'the listener name', { inEntries: true }),
    pingIntervalMs: option(int({ min: 1000, max: 600_000 }), 'ping interval', { default: 25_000 }),
    maxTunnels: option(int({ min: 1, max: 100 }), 'open tunnels at most', { default: 8 }),
    upstreams: option(hostPortList(), 'Logstash beats inputs'),
    claims: option(list(), 'claims to copy'),
    verbose: option(bool, 'say more', { default: false }),
    token: option(secret('<jwt>'), 'a bearer token', { inEntries: true }),
    clientSecret: option(secret(), 'an OAuth client secret', { noFlag: true }),
    logLevel: option(level, 'pino level', { default: 'info' }),
  },
  notes:
    'Notes: a paragraph the kit wraps at eighty columns however long the line it was written on happens to be.',
});

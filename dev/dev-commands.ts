/**
 * The option tables of the local stack's tools, read by the kit's loader like every beats-gate
 * command: `npm start` (BEATS_GATE_DEV_*), `npm run token` (BEATS_GATE_DEV_TOKEN_*) and the edge
 * worker it starts (BEATS_GATE_DEV_EDGE_*). `npm run send` takes beats-gate-send's options and the
 * client port of `npm start`'s table.
 */
import {
  defineCommand,
  fail,
  hostPort,
  hostPortList,
  int,
  level,
  ok,
  option,
  text,
  url,
  type Kind,
} from '@beats-gate/kit';
import rootPackage from '../package.json' with { type: 'json' };
import { DEFAULT_PORTS } from './stack.ts';

const port = int({ min: 1, max: 65_535 });
const dir = option(text('<dir>'), 'dev keys and events.ndjson', { default: '.dev' });

export const START_COMMAND = defineCommand({
  name: 'npm start --',
  summary:
    'Runs the client, the edge worker (workerd), the unwrapper and the built-in ' +
    "Logstash-compatible receiver on 127.0.0.1. Point any Beat's output.logstash at the client's port.",
  version: rootPackage.version,
  envPrefix: 'BEATS_GATE_DEV_',
  options: {
    clientPort: option(port, 'Beats-facing listener of the client', {
      default: DEFAULT_PORTS.client,
    }),
    edgePort: option(port, 'edge worker in workerd', { default: DEFAULT_PORTS.edge }),
    unwrapperPort: option(port, 'unwrapper WebSocket listener', {
      default: DEFAULT_PORTS.unwrapper,
    }),
    adminPort: option(port, 'unwrapper admin listener (healthz, readyz, metrics)', {
      default: DEFAULT_PORTS.admin,
    }),
    receiverPort: option(port, 'built-in receiver', { default: DEFAULT_PORTS.receiver }),
    logstash: option(hostPortList(), 'a real Logstash instead of the built-in receiver', {
      defaultText: 'unset: the built-in receiver',
    }),
    dir,
    logLevel: option(level, 'log level of every part', { default: 'info' }),
  },
});

/** `key=value`, repeated on the command line, comma-separated in a variable, a mapping in a file. */
const claims: Kind<Readonly<Record<string, string>>> = {
  placeholder: '<key=value>',
  repeatable: true,
  format: (value) =>
    Object.entries(value)
      .map(([key, claim]) => `${key}=${claim}`)
      .join(','),
  parse(raw, show) {
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
      const entries = Object.entries(raw);
      if (entries.every(([, value]) => typeof value === 'string')) {
        return ok(Object.fromEntries(entries) as Record<string, string>);
      }
      return fail('expected a mapping of claim names to strings');
    }
    const pairs = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [];
    const found: Record<string, string> = {};
    for (const pair of pairs) {
      const text = String(pair);
      const eq = text.indexOf('=');
      if (eq < 1) return fail(`expected key=value, got ${show(text)}`);
      found[text.slice(0, eq).trim()] = text.slice(eq + 1);
    }
    return ok(found);
  },
};

export const TOKEN_COMMAND = defineCommand({
  name: 'npm run -s token --',
  summary:
    "Prints a dev JWT (and nothing else) on stdout, signed with the local stack's key, so it " +
    'can be used as $(npm run -s token -- --sub NAME).',
  version: rootPackage.version,
  envPrefix: 'BEATS_GATE_DEV_TOKEN_',
  options: {
    sub: option(text('<name>'), 'sub claim: the device', { default: 'dev-device' }),
    ttlSeconds: option(int({ min: 1, max: 366 * 24 * 3600 }), 'lifetime of the token', {
      default: 3600,
    }),
    claims: option(claims, 'extra claims, as strings'),
    dir,
  },
});

export const EDGE_COMMAND = defineCommand({
  name: 'dev/edge.ts',
  summary: "The local stack's edge worker: workerd through Miniflare, with the dev keys.",
  version: rootPackage.version,
  envPrefix: 'BEATS_GATE_DEV_EDGE_',
  options: {
    listen: option(hostPort(), 'address of the edge', {
      default: { host: '127.0.0.1', port: DEFAULT_PORTS.edge },
    }),
    origin: option(
      url({ protocols: ['https:'], loopbackProtocols: ['http:'] }),
      'the unwrapper to forward to',
      { default: new URL(`http://127.0.0.1:${DEFAULT_PORTS.unwrapper}`) },
    ),
    dir,
  },
});

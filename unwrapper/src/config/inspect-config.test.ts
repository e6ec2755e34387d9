// The Lumberjack-aware options through the one loader: off by default (byte tunnel), parsed from
// flags, variables and the file, and every impossible combination reported with its source.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateAssertionKey } from '@beats-gate/protocol';
import { resolveInspect } from './inspect-config.ts';
import { ConfigError, loadConfig } from './load-config.ts';
import { DEFAULTS } from './types.ts';

const BASE = {
  BEATS_GATE_UNWRAPPER_UPSTREAMS: '127.0.0.1:5044',
  BEATS_GATE_UNWRAPPER_ASSERTION_KEYS: generateAssertionKey('k'),
};

function load(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const result = loadConfig(argv, { ...BASE, ...env });
  assert.equal(result.kind, 'config');
  return result.config;
}

function problems(argv: string[], env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    loadConfig(argv, { ...BASE, ...env });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('Lumberjack-aware options', () => {
  it('are all off by default: the byte tunnel', () => {
    const config = load([]);
    assert.equal(config.inspect, 'off');
    assert.equal(resolveInspect(config), undefined);
    assert.equal(resolveInspect({ ...DEFAULTS }), undefined);
  });

  it('parse from flags and variables into tunnel settings', () => {
    const config = load(
      [
        '--inspect',
        'stamp',
        '--inspect-field',
        '@metadata.device',
        '--inspect-claims',
        'tenant,site',
        '--inspect-claim-policy',
        'tag',
        '--drain-at-window-boundary',
      ],
      {
        BEATS_GATE_UNWRAPPER_INSPECT_HOST_NAME_CLAIM: 'host',
        BEATS_GATE_UNWRAPPER_INSPECT_COMPRESSION_LEVEL: '1',
        BEATS_GATE_UNWRAPPER_UPSTREAM_GROUPS: 'acme=10.0.0.1:5044,10.0.0.2:5044;globex=[::1]:5045',
      },
    );
    const settings = resolveInspect(config);
    assert.equal(settings?.mode, 'stamp');
    assert.deepEqual(settings?.field, ['@metadata', 'device']);
    assert.deepEqual(settings?.claims, ['tenant', 'site']);
    assert.equal(settings?.compressionLevel, 1);
    assert.deepEqual(settings?.checks, [{ field: 'host.name', claim: 'host' }]);
    assert.equal(config.drainAtWindowBoundary, true);
    assert.deepEqual(config.upstreamGroups?.globex, [{ host: '::1', port: 5045 }]);
    assert.equal(config.upstreamGroups?.acme?.length, 2);
  });

  it('a drain option alone decodes in validate mode', () => {
    assert.equal(resolveInspect(load(['--drain-on-token-expiry']))?.mode, 'validate');
  });

  it('reports every bad value and combination, naming its source', () => {
    const found = problems(['--inspect', 'loud', '--inspect-field', '[a]b'], {
      BEATS_GATE_UNWRAPPER_INSPECT_CLAIM_POLICY: 'drop',
      BEATS_GATE_UNWRAPPER_INSPECT_COMPRESSION_LEVEL: '10',
      BEATS_GATE_UNWRAPPER_UPSTREAM_GROUPS: 'acme=nohost',
    });
    assert.ok(
      found.some((p) => /^--inspect: expected one of off, validate, stamp/.test(p)),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) =>
        /^BEATS_GATE_UNWRAPPER_INSPECT_CLAIM_POLICY: expected one of off, tag, reject/.test(p),
      ),
    );
    assert.ok(
      found.some((p) =>
        /^BEATS_GATE_UNWRAPPER_INSPECT_COMPRESSION_LEVEL: expected an integer from 0 to 9/.test(p),
      ),
    );
    assert.ok(
      found.some((p) =>
        /^BEATS_GATE_UNWRAPPER_UPSTREAM_GROUPS: group acme: expected host:port/.test(p),
      ),
    );
    assert.ok(found.some((p) => /^--inspect-field: field "\[a\]b"/.test(p)));
    const combos = problems(['--inspect-claim-policy', 'tag']);
    assert.ok(combos.some((p) => /^--inspect-claim-policy: needs inspectHostNameClaim/.test(p)));
    assert.ok(
      combos.some((p) => /^--inspect-claim-policy: tag writes into the stamped field/.test(p)),
    );
  });
});

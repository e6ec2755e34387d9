/**
 * The client's systemd unit (infra/systemd, written with the client) keeps its sandbox, and every
 * variable it or its env file example sets is one the client's loader reads.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CLIENT_ENV, repoPath } from './infra/infra-files.ts';

const unitPath = repoPath('infra/systemd/beats-gate-client.service');
const envPath = repoPath('infra/systemd/beats-gate-client.env.example');

/** `Key=value` lines of a unit or env file, comments and blank lines dropped. */
function assignments(text: string): [string, string][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#') && !line.startsWith(';') && line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
}

const HARDENING: Record<string, string> = {
  NoNewPrivileges: 'yes',
  DynamicUser: 'yes',
  ProtectSystem: 'strict',
  ProtectHome: 'yes',
  PrivateTmp: 'yes',
  PrivateDevices: 'yes',
  ProtectKernelTunables: 'yes',
  ProtectKernelModules: 'yes',
  ProtectControlGroups: 'yes',
  RestrictSUIDSGID: 'yes',
  LockPersonality: 'yes',
  CapabilityBoundingSet: '',
  SystemCallArchitectures: 'native',
};

describe('infra/systemd', { skip: !existsSync(unitPath) && 'no systemd unit yet' }, () => {
  it('keeps the hardening settings', () => {
    const unit = new Map(assignments(readFileSync(unitPath, 'utf8')));
    for (const [key, value] of Object.entries(HARDENING)) {
      assert.equal(unit.get(key), value, `${key} should be "${value}"`);
    }
    assert.ok(unit.get('RestrictAddressFamilies'), 'RestrictAddressFamilies is missing');
    assert.ok(unit.get('SystemCallFilter'), 'SystemCallFilter is missing');
  });

  it('sets only variables the client reads', () => {
    const unit = assignments(readFileSync(unitPath, 'utf8'));
    const names = unit
      .filter(([key]) => key === 'Environment')
      .map(([, value]) => value.replace(/^"/, '').split('=')[0]!);
    if (existsSync(envPath)) {
      const example = readFileSync(envPath, 'utf8').replace(/^#\s*(?=[A-Z_]+=)/gm, '');
      names.push(...assignments(example).map(([key]) => key));
    }
    assert.ok(names.length > 0);
    // The standard proxy variables are read through proxy-from-env, not the option table.
    const proxy = new Set(['HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy']);
    for (const name of names) {
      assert.ok(CLIENT_ENV.has(name) || proxy.has(name), `${name} is not a client option`);
    }
  });
});

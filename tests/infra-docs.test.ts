/**
 * The operator docs stay in step with the code: every refusal code, close code and log event the
 * services can emit has a line in docs/troubleshooting.md, and relative links in the operator docs
 * point at files that exist.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { CloseCode } from '@beats-gate/protocol';
import { ERROR_SPECS } from '../edge-worker/src/errors.ts';
import { REFUSALS } from '../unwrapper/src/upgrade/refusal.ts';
import { repoPath } from './infra/infra-files.ts';

const troubleshooting = readFileSync(repoPath('docs/troubleshooting.md'), 'utf8');

/** `event: '<name>'` literals in the source files below `dir`. */
function eventsIn(dir: string): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(repoPath(dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    const source = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const match of source.matchAll(/event: '([a-z_.]+)'/g)) names.add(match[1]!);
  }
  return names;
}

describe('docs/troubleshooting.md', () => {
  it('lists every edge and unwrapper refusal code', () => {
    const codes = [...Object.keys(ERROR_SPECS), ...Object.values(REFUSALS).map((r) => r.code)];
    assert.ok(codes.length > 40);
    for (const code of codes) assert.ok(troubleshooting.includes(`\`${code}\``), code);
  });

  it('lists every close code', () => {
    for (const code of Object.values(CloseCode)) {
      assert.match(troubleshooting, new RegExp(`^\\| ${code} \\|`, 'm'), String(code));
    }
  });

  it('lists every log event of the edge, the unwrapper, the client and the kit they share', () => {
    const events = new Set([
      ...eventsIn('kit/src'),
      ...eventsIn('edge-worker/src'),
      ...eventsIn('unwrapper/src'),
      ...eventsIn('unwrapper/bin'),
      ...eventsIn('client/src'),
      ...eventsIn('client/bin'),
    ]);
    assert.ok(events.size > 20, [...events].join(', '));
    for (const event of events) assert.ok(troubleshooting.includes(`\`${event}\``), event);
  });
});

describe('operator docs links', () => {
  it('point at files that exist', () => {
    const docs = [
      'operator-guide.md',
      'origin-lockdown.md',
      'key-rotation.md',
      'troubleshooting.md',
      'capacity.md',
    ];
    for (const doc of docs) {
      const path = repoPath('docs', doc);
      const text = readFileSync(path, 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        assert.ok(existsSync(join(dirname(path), target!)), `${doc}: ${target} does not exist`);
      }
    }
  });
});

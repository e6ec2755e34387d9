/**
 * Where a Compose implementation is installed, it parses infra/compose.yaml itself (`config -q`
 * parses, interpolates and validates against Compose's schema without an engine). Compose v2
 * (`docker compose`) reads the file as is; the older Python `docker-compose` (Debian's
 * docker-compose 1.29) predates the top-level `name`, so it gets a copy without that one line.
 * Skipped, with the reason, where neither is installed; the structural checks in infra.test.ts
 * always run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { INFRA } from './infra/infra-files.ts';

const file = join(INFRA, 'compose.yaml');
const works = (command: string, args: string[]) =>
  spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 }).status === 0;

const v2 = works('docker', ['compose', 'version']);
const v1 = !v2 && works('docker-compose', ['version']);

describe('infra/compose.yaml under a Compose implementation', () => {
  it(
    'passes `config -q`',
    { skip: !v2 && !v1 && 'neither `docker compose` nor `docker-compose` is installed' },
    () => {
      let result;
      if (v2) {
        result = spawnSync('docker', ['compose', '-f', file, 'config', '-q'], {
          encoding: 'utf8',
          timeout: 60_000,
        });
      } else {
        const work = mkdtempSync(join(tmpdir(), 'compose-v1-'));
        try {
          const copy = join(work, 'compose.yaml');
          const text = readFileSync(file, 'utf8');
          assert.match(text, /^name: beats-gate$/m);
          writeFileSync(copy, text.replace(/^name: beats-gate\n/m, ''));
          result = spawnSync(
            'docker-compose',
            ['--project-directory', INFRA, '-f', copy, 'config', '-q'],
            { encoding: 'utf8', timeout: 60_000 },
          );
        } finally {
          rmSync(work, { recursive: true, force: true });
        }
      }
      assert.equal(result.status, 0, result.stderr);
    },
  );
});

/**
 * docs/install.md states what scripts/release/ does: the Node lines the bundles are tested on,
 * the Node inside the executables, each platform's file and each .deb architecture. A change to
 * those tables fails here until the page says it too.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEB_ARCH } from '../scripts/release/deb.ts';
import { NODE_LINES } from '../scripts/release/node-binaries.ts';
import { NODE_FLOOR, ROOT } from '../scripts/release/packages.ts';
import { SEA_NODE_VERSION, SEA_PLATFORMS } from '../scripts/release/sea.ts';

const page = readFileSync(`${ROOT}/docs/install.md`, 'utf8');

describe('docs/install.md', () => {
  it('names every Node release the bundles are tested on, and the floor engines states', () => {
    for (const version of NODE_LINES) assert.ok(page.includes(version), `${version} is missing`);
    assert.ok(page.includes(`"node": ">=${NODE_FLOOR.split('.')[0]}"`), 'the engines floor');
  });

  it('names the Node inside the executables, each platform and each .deb architecture', () => {
    assert.ok(page.includes(`node-${SEA_NODE_VERSION}-LICENSE.txt`), SEA_NODE_VERSION);
    for (const platform of SEA_PLATFORMS) {
      assert.ok(page.includes(`-${platform}`), `${platform} is missing`);
    }
    for (const arch of Object.values(DEB_ARCH)) {
      assert.ok(page.includes(arch), `the ${arch} .deb is missing`);
    }
  });
});

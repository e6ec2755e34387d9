/**
 * The byte-level check `npm run release` applies to the executables this host cannot run
 * (scripts/release/executable-format.ts), on small files laid out like each format's header.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspectExecutable } from '../scripts/release/executable-format.ts';

const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:';
const MAIN = Buffer.from('#!/usr/bin/env node\nconsole.log("the client");\n');

function elf(machine: number): Buffer {
  const header = Buffer.alloc(64);
  header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  header.writeUInt16LE(machine, 18);
  return header;
}

function pe(machine: number): Buffer {
  const header = Buffer.alloc(0x100);
  header.write('MZ', 0, 'latin1');
  header.writeUInt32LE(0x80, 0x3c);
  header.write('PE\0\0', 0x80, 'latin1');
  header.writeUInt16LE(machine, 0x84);
  return header;
}

function macho(cpu: number): Buffer {
  const header = Buffer.alloc(32);
  header.writeUInt32LE(0xfeedfacf, 0);
  header.writeUInt32LE(cpu, 4);
  return header;
}

let dir: string;
before(async () => (dir = await mkdtemp(join(tmpdir(), 'bg-exe-format-'))));
after(() => rm(dir, { recursive: true, force: true }));

async function facts(name: string, ...parts: (Buffer | string)[]) {
  const file = join(dir, name);
  await writeFile(file, Buffer.concat(parts.map((part) => Buffer.from(part))));
  return inspectExecutable(file, MAIN);
}

describe('inspectExecutable', () => {
  it('reads format and CPU from ELF, PE and Mach-O headers', async () => {
    const cases: [Buffer, string, string][] = [
      [elf(0x3e), 'elf', 'x64'],
      [elf(0xb7), 'elf', 'arm64'],
      [pe(0x8664), 'pe', 'x64'],
      [macho(0x01000007), 'macho', 'x64'],
      [macho(0x0100000c), 'macho', 'arm64'],
    ];
    for (const [header, format, cpu] of cases) {
      const found = await facts(`${format}-${cpu}`, header, `${FUSE}1`, MAIN);
      assert.deepEqual(found, { format, cpu, fuseFlipped: true, containsMain: true });
    }
  });

  it('tells an unflipped fuse and a missing main script', async () => {
    const found = await facts('plain-node', elf(0x3e), `${FUSE}0`, 'console.log("other")');
    assert.deepEqual(found, { format: 'elf', cpu: 'x64', fuseFlipped: false, containsMain: false });
  });

  it('refuses a file of no known format, or of an unknown CPU, naming it', async () => {
    await assert.rejects(facts('script.sh', '#!/bin/sh\n'), /script\.sh: neither ELF, PE nor/);
    await assert.rejects(facts('riscv', elf(0xf3)), /riscv: unknown machine type 0xf3/);
    await assert.rejects(facts('mz-only', Buffer.alloc(0x100, 'MZ')), /MZ header without a PE/);
  });
});

/**
 * What a built single executable is, read from its bytes: the file format and CPU from the
 * header, whether Node's SEA fuse was flipped (Node runs the embedded main only then), and
 * whether the client's bundle is inside. Used to check the executables this host cannot run.
 */
import { readFile } from 'node:fs/promises';

export type Format = 'elf' | 'pe' | 'macho';
export type Cpu = 'x64' | 'arm64';

export interface ExecutableFacts {
  readonly format: Format;
  readonly cpu: Cpu;
  /** NODE_SEA_FUSE_…:1 present: the binary looks for its blob at start. */
  readonly fuseFlipped: boolean;
  /** The main script's bytes appear verbatim (the blob stores them uncompressed). */
  readonly containsMain: boolean;
}

const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:';
const ELF_MACHINE: Record<number, Cpu> = { 0x3e: 'x64', 0xb7: 'arm64' };
const PE_MACHINE: Record<number, Cpu> = { 0x8664: 'x64', 0xaa64: 'arm64' };
const MACHO_CPU: Record<number, Cpu> = { 0x01000007: 'x64', 0x0100000c: 'arm64' };

export async function inspectExecutable(file: string, main: Buffer): Promise<ExecutableFacts> {
  const bytes = await readFile(file);
  const { format, cpu } = header(bytes, file);
  return {
    format,
    cpu,
    fuseFlipped: bytes.includes(`${FUSE}1`) && !bytes.includes(`${FUSE}0`),
    containsMain: bytes.includes(main),
  };
}

function header(bytes: Buffer, file: string): { format: Format; cpu: Cpu } {
  if (bytes.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) {
    return { format: 'elf', cpu: known(ELF_MACHINE, bytes.readUInt16LE(18), file) };
  }
  if (bytes.subarray(0, 2).toString('latin1') === 'MZ') {
    const pe = bytes.readUInt32LE(0x3c);
    if (bytes.subarray(pe, pe + 4).toString('latin1') !== 'PE\0\0') {
      throw new Error(`${file}: MZ header without a PE signature`);
    }
    return { format: 'pe', cpu: known(PE_MACHINE, bytes.readUInt16LE(pe + 4), file) };
  }
  if (bytes.readUInt32LE(0) === 0xfeedfacf) {
    return { format: 'macho', cpu: known(MACHO_CPU, bytes.readUInt32LE(4), file) };
  }
  throw new Error(`${file}: neither ELF, PE nor 64-bit Mach-O`);
}

function known(table: Record<number, Cpu>, value: number, file: string): Cpu {
  const cpu = table[value];
  if (cpu === undefined) throw new Error(`${file}: unknown machine type 0x${value.toString(16)}`);
  return cpu;
}

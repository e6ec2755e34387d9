/** SHA256SUMS for the files of a folder, in the format `sha256sum -c SHA256SUMS` checks. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export const SUMS_FILE = 'SHA256SUMS';

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Writes `<dir>/SHA256SUMS` over every other regular file in `dir`, sorted by name. */
export async function writeChecksums(dir: string): Promise<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isFile() && entry.name !== SUMS_FILE)
    .map((entry) => entry.name)
    .sort();
  const lines: string[] = [];
  for (const name of names) lines.push(`${await sha256(join(dir, name))}  ${name}\n`);
  const file = join(dir, SUMS_FILE);
  await writeFile(file, lines.join(''));
  return file;
}

import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { fileOpenError } from './file-open-error.ts';
import type { Batch, BatchSink } from './types.ts';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

export type FileSink = BatchSink & {
  /**
   * Opens the file now, so a path that cannot be written fails at start (ReceiverError
   * ERR_LJ_RECEIVER_FILE_UNWRITABLE naming the path, the reason and the fix), not on the first
   * window. Without it the file is opened by the first batch.
   */
  open(): Promise<void>;
  /** Waits for every accepted batch to be written, then closes the file. Never rejects. */
  close(): Promise<void>;
};

export interface FileSinkOptions {
  /**
   * fdatasync after each batch, before it resolves: an acknowledged window survives a power loss
   * or kernel crash, not only a crash of this process. Costs a disk flush per window.
   */
  fsync?: boolean;
}

/**
 * Appends one JSON event per line (ndjson) and resolves only once the batch's write returned (and,
 * with `fsync`, reached the disk), so the receiver never acknowledges events that are not in the
 * file. Writes are serialised, so batches from concurrent connections never interleave inside a
 * line. Each line is the event's payload (Batch.payloads) byte for byte, except that a CR or LF
 * byte is written as a space (see oneLine): nothing is re-serialised.
 */
export function createFileSink(path: string, options: FileSinkOptions = {}): FileSink {
  let handle: Promise<FileHandle> | undefined;
  let tail: Promise<void> = Promise.resolve();
  let closing = false;

  async function openFile(): Promise<FileHandle> {
    let fh: FileHandle | undefined;
    try {
      fh = await open(path, 'a');
      // A new file's directory entry must reach the disk too, or the first windows acknowledged
      // could vanish with the file after a power loss.
      if (options.fsync) await syncDirectory(dirname(path));
      return fh;
    } catch (error) {
      await fh?.close();
      // Forget the failure, so the next batch tries again (the directory may exist by then).
      handle = undefined;
      throw fileOpenError(path, error);
    }
  }

  function file(): Promise<FileHandle> {
    handle ??= openFile();
    return handle;
  }

  async function append(batch: Batch): Promise<void> {
    const fh = await file();
    // appendFile writes until every byte is in (a single write may stop short, on a full disk).
    await fh.appendFile(encodeLines(batch));
    if (options.fsync) await fh.datasync();
  }

  const sink = (batch: Batch): Promise<void> => {
    if (closing) return Promise.reject(new Error(`file sink for ${path} is closed`));
    const written = tail.then(() => append(batch));
    // The chain must survive a failed write so later batches still run (and fail on their own).
    tail = written.catch(() => {});
    return written;
  };

  return Object.assign(sink, {
    async open(): Promise<void> {
      await file();
    },
    async close(): Promise<void> {
      closing = true;
      await tail;
      // A file that never opened has nothing to close; its failure was the batches' to report.
      const fh = await handle?.catch(() => undefined);
      await fh?.close();
    },
  });
}

async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function encodeLines(batch: Batch): Buffer {
  const parts: Buffer[] = [];
  const newline = Buffer.from('\n');
  for (const payload of batch.payloads) parts.push(oneLine(payload), newline);
  return Buffer.concat(parts);
}

/**
 * The payload with each CR and LF byte replaced by a space. In valid JSON those bytes can only be
 * whitespace between tokens (inside a string they are escaped, and no UTF-8 sequence contains
 * them), so the line has the event's value, every token byte for byte and the payload's length,
 * and stays one line: left in, they would cut the event in two for every line reader.
 */
function oneLine(payload: Buffer): Buffer {
  if (payload.indexOf(LF) === -1 && payload.indexOf(CR) === -1) return payload;
  const line = Buffer.from(payload);
  for (let i = 0; i < line.length; i++) {
    if (line[i] === LF || line[i] === CR) line[i] = SPACE;
  }
  return line;
}

import { dirname } from 'node:path';
import { ReceiverError } from './errors.ts';

/** What each refusal of open(path, 'a') means, and what to do about it. */
const REASONS: Record<string, (path: string) => string> = {
  ENOENT: (path) =>
    `its directory ${dirname(path)} does not exist: create it (mkdir -p ${dirname(path)}) or choose another path`,
  ENOTDIR: () => 'a part of the path is a file, not a directory: choose another path',
  EISDIR: (path) => `it is a directory: give a file path, such as ${path}/events.ndjson`,
  EACCES: () =>
    'permission denied: choose a path this user may write, or grant it write access (chmod/chown)',
  EPERM: () =>
    'operation not permitted: choose a path this user may write, or grant it write access',
  EROFS: () => 'the file system is read-only: choose a path on a writable one',
};

/** A ReceiverError naming the path, the system's reason (code) and the fix. */
export function fileOpenError(path: string, error: unknown): ReceiverError {
  const code = (error as NodeJS.ErrnoException | null)?.code ?? 'EUNKNOWN';
  const reason =
    REASONS[code]?.(path) ??
    `${error instanceof Error ? error.message : String(error)}: choose a writable path`;
  return new ReceiverError(
    'ERR_LJ_RECEIVER_FILE_UNWRITABLE',
    `cannot append events to ${path} (${code}): ${reason}`,
    { cause: error },
  );
}

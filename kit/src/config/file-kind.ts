/**
 * A file named by an option. Checked when the configuration is loaded, so a missing or unreadable
 * file fails at start with the option's name rather than on first use. `read: true` also returns
 * the content (certificates, keys, key sets: read once at start); without it only the path is
 * kept, for files the service re-reads on its own (a token file rotated in place).
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { asText, fail, ok, type Kind } from './kind.ts';

export interface FileContent {
  readonly path: string;
  readonly content: Buffer;
}

function unreadable(path: string, error: unknown, show: (raw: unknown) => string) {
  return fail(
    `cannot read file ${show(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
  );
}

export function fileKind(options: { read: true }): Kind<FileContent>;
export function fileKind(options?: { read?: false }): Kind<string>;
export function fileKind(options: { read?: boolean } = {}): Kind<FileContent> | Kind<string> {
  const path = (raw: unknown) => asText(raw)?.trim() || undefined;
  if (options.read) {
    const reading: Kind<FileContent> = {
      placeholder: '<path>',
      format: (value) => value.path,
      parse(raw, show) {
        const name = path(raw);
        if (name === undefined) return fail('expected a file path');
        try {
          return ok({ path: name, content: readFileSync(name) });
        } catch (error) {
          return unreadable(name, error, show);
        }
      },
    };
    return reading;
  }
  return {
    placeholder: '<path>',
    parse(raw, show) {
      const name = path(raw);
      if (name === undefined) return fail('expected a file path');
      try {
        accessSync(name, constants.R_OK);
        return ok(name);
      } catch (error) {
        return unreadable(name, error, show);
      }
    },
  };
}

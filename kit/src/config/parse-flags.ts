/**
 * Reads the command line without exiting or printing: --help and --version come back as text to
 * print (the one path for both), everything else as raw flag values and problems.
 */
import { CommanderError } from 'commander';
import type { CommandSpec } from './command.ts';
import { flagName } from './option.ts';
import { createProgram } from './program.ts';

export type FlagResult =
  | { readonly kind: 'print'; readonly text: string }
  | {
      readonly kind: 'flags';
      /** Raw values by option key (strings, `true` for a switch, arrays for repeatable flags). */
      readonly values: ReadonlyMap<string, FlagValue>;
      readonly configPath: string | undefined;
      readonly printConfig: boolean;
      readonly problems: readonly string[];
    };

export interface FlagValue {
  readonly raw: unknown;
  /** `--listen`, or `argument <host:port>` for the positional argument. */
  readonly where: string;
}

export function parseFlags(command: CommandSpec, argv: readonly string[]): FlagResult {
  const output: string[] = [];
  const program = createProgram(command).configureOutput({
    writeOut: (text) => output.push(text),
    writeErr: (text) => output.push(text),
    outputError: () => {},
  });
  const problems: string[] = [];
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // --help and --version: commander wrote the text and asked to exit 0.
    if (error.exitCode === 0) return { kind: 'print', text: output.join('') };
    problems.push(error.message.replace(/^error: /, ''));
  }
  const opts = program.opts<Record<string, unknown>>();
  const values = new Map<string, FlagValue>();
  for (const key of Object.keys(command.options)) {
    if (opts[key] !== undefined) values.set(key, { raw: opts[key], where: flagName(key) });
  }
  // Unknown options and what follows them come last; a value after one is not an operand.
  const firstUnknown = program.args.findIndex((arg) => /^-./.test(arg) && !/^-\d/.test(arg));
  const operands = firstUnknown < 0 ? program.args : program.args.slice(0, firstUnknown);
  const rest = firstUnknown < 0 ? [] : program.args.slice(firstUnknown);
  for (const arg of rest) {
    if (/^--?[A-Za-z]/.test(arg)) problems.push(`unknown option ${arg.split('=')[0]} (see --help)`);
  }
  const argument = Object.entries(command.options).find(([, spec]) => spec.argument);
  const extra = [...operands];
  if (argument !== undefined && extra.length > 0) {
    const [key, spec] = argument;
    const raw = extra.shift();
    if (values.has(key)) problems.push(`the argument and ${flagName(key)} both set ${key}`);
    else values.set(key, { raw, where: `argument ${spec.kind.placeholder}` });
  }
  // Counted, not quoted: a stray word may be a secret that lost its flag.
  if (extra.length > 0) problems.push(`unexpected argument(s): ${extra.length} (see --help)`);
  const configPath = typeof opts.config === 'string' ? opts.config : undefined;
  return { kind: 'flags', values, configPath, printConfig: opts.printConfig === true, problems };
}

/**
 * The command line of build.ts and release.ts: node:util's parser, --help printing the usage,
 * and a wrong flag answered with its name and the usage (exit 2) instead of a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export function parseCli(usage: string, options: Options): Values {
  try {
    const { values }: { values: Values } = parseArgs({
      options: { ...options, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    return values;
  } catch (error) {
    console.error(`${(error as Error).message.split('. ')[0]}.\n\n${usage}`);
    process.exit(2);
  }
}

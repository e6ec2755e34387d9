/** The configuration could not be loaded; `problems` lists every problem found, not just the first. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'ERR_CONFIG_INVALID';
  readonly problems: readonly string[];
  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
      options,
    );
    this.problems = problems;
  }
}

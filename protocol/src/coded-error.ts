/**
 * The shape of every error the protocol package throws: one class per area, a literal-union
 * `code` so that `switch (error.code)` and `Record<Code, …>` mappings stay exhaustive, and the
 * underlying failure as `cause`.
 */
export class CodedError<Code extends string> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

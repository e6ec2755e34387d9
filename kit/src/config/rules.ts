/** Rules across options that several services share, each problem naming the source. */
import type { OptionTable } from './option.ts';
import type { Options } from './options.ts';

/** Two options that only make sense together, such as a certificate and its key. */
export function bothOrNeither<O extends OptionTable>(
  options: Options<O>,
  a: keyof O & string,
  b: keyof O & string,
): void {
  if (options.given(a) === options.given(b)) return;
  const [given, missing] = options.given(a) ? [a, b] : [b, a];
  options.problems.push(`${options.where(given)}: needs ${missing} too (give both or neither)`);
}

/**
 * Options that mean something only with another setting (`present`): each one given without it
 * is a problem, `needs <what>`.
 */
export function onlyWith<O extends OptionTable>(
  options: Options<O>,
  keys: readonly (keyof O & string)[],
  present: boolean,
  what: string,
): void {
  if (present) return;
  for (const key of keys.filter((k) => options.given(k))) {
    options.problems.push(`${options.where(key)}: needs ${what}`);
  }
}

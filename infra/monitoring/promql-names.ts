/**
 * The metric names a PromQL expression reads, so a test can hold every alert and dashboard query
 * against what the services really expose. promtool checks the syntax (a query it cannot parse
 * fails before this matters); this only has to tell names from everything else, by the token
 * that follows each identifier:
 *
 * - `name(` is a function or an aggregation, as is `sum by (…) (…)`; `by (…)`, `without (…)`, `on (…)`, `ignoring (…)`,
 *   `group_left (…)`, `group_right (…)` list labels; `and`, `or`, `offset`, … are keywords;
 * - `{…}` holds label matchers (read only for `__name__="…"`), `[…]` a range, quotes a string;
 * - `$name` and `${name}` are Grafana variables (`$__rate_interval`), numbers and durations start
 *   with a digit.
 */

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'atan2',
  'bool',
  'offset',
  'inf',
  'nan',
  'start',
  'end',
]);
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
/** `sum by (le) (…)`: an aggregation whose label list comes before its parentheses. */
const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);
const IDENTIFIER = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const NAME_MATCHER = /__name__\s*=\s*(["'`])([a-zA-Z_:][a-zA-Z0-9_:]*)\1/g;

export function metricNames(expr: string): Set<string> {
  const names = new Set<string>();
  let depth = 0;
  let at = 0;
  while (at < expr.length) {
    const char = expr[at]!;
    if (char === '(' || char === ')') {
      depth += char === '(' ? 1 : -1;
      if (depth < 0) throw new SyntaxError(`unopened ) at ${at} in: ${expr}`);
      at += 1;
    } else if (char === '"' || char === "'" || char === '`') {
      at = endOfString(expr, at);
    } else if (char === '#') {
      const newline = expr.indexOf('\n', at);
      at = newline === -1 ? expr.length : newline;
    } else if (char === '{' || char === '[') {
      const end = endOfGroup(expr, at, char === '{' ? '}' : ']');
      if (char === '{') {
        for (const match of expr.slice(at, end).matchAll(NAME_MATCHER)) names.add(match[2]!);
      }
      at = end;
    } else if (char === '$') {
      at = expr[at + 1] === '{' ? endOfGroup(expr, at + 1, '}') : skipIdentifier(expr, at + 1);
    } else if (/[0-9.]/.test(char)) {
      at = skipWhile(expr, at, /[0-9a-zA-Z_.]/);
    } else if (/[a-zA-Z_:]/.test(char)) {
      const end = skipIdentifier(expr, at);
      const word = expr.slice(at, end);
      const next = skipWhile(expr, end, /\s/);
      if (LABEL_LISTS.has(word.toLowerCase())) {
        at = expr[next] === '(' ? endOfGroup(expr, next, ')') : end;
        continue;
      }
      const aggregation = AGGREGATIONS.has(word) && /^(by|without)\b/i.test(expr.slice(next));
      if (expr[next] !== '(' && !aggregation && !KEYWORDS.has(word.toLowerCase())) {
        names.add(word);
      }
      at = end;
    } else {
      at += 1;
    }
  }
  if (depth > 0) throw new SyntaxError(`unclosed ( in: ${expr}`);
  return names;
}

/** Index after the closing quote; a backslash escapes in "…" and '…', not in `…`. */
function endOfString(expr: string, start: number): number {
  const quote = expr[start];
  let at = start + 1;
  while (at < expr.length && expr[at] !== quote) at += quote !== '`' && expr[at] === '\\' ? 2 : 1;
  if (at >= expr.length) throw new SyntaxError(`unterminated string at ${start} in: ${expr}`);
  return at + 1;
}

/** Index after the bracket that closes the one at `start`, skipping strings inside. */
function endOfGroup(expr: string, start: number, close: string): number {
  const open = expr[start];
  let depth = 0;
  let at = start;
  while (at < expr.length) {
    const char = expr[at]!;
    if (char === '"' || char === "'" || char === '`') {
      at = endOfString(expr, at);
      continue;
    }
    if (char === open) depth += 1;
    else if (char === close && --depth === 0) return at + 1;
    at += 1;
  }
  throw new SyntaxError(`unclosed ${open} at ${start} in: ${expr}`);
}

function skipIdentifier(expr: string, start: number): number {
  IDENTIFIER.lastIndex = start;
  return IDENTIFIER.test(expr) ? IDENTIFIER.lastIndex : start;
}

function skipWhile(expr: string, start: number, pattern: RegExp): number {
  let at = start;
  while (at < expr.length && pattern.test(expr[at]!)) at += 1;
  return at;
}

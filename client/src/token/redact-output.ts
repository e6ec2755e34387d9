/**
 * A credential helper's stderr, made safe to log: the tail only (its last words say why it
 * failed), with anything that looks like a token or a secret replaced. Redaction by shape rather
 * than by a list of known values, because the helper's secrets are not known to the client.
 */

const REDACTED = '[redacted]';
const ELLIPSIS_BYTES = Buffer.byteLength('…');

const PATTERNS: readonly [RegExp, string][] = [
  // A JWT or any part of one (base64url JSON starts with eyJ).
  [/eyJ[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*){0,2}/g, REDACTED],
  // Credentials in a URL.
  [/\/\/[^/\s:@]+:[^/\s@]+@/g, `//${REDACTED}@`],
  // Authorization schemes with their credential.
  [/\b(Bearer|Basic)\s+\S+/gi, `$1 ${REDACTED}`],
  // name=value or name: value where the name says secret (`fetch-token: …` is a program name).
  [
    /(?<![\w-])((?:client|access|refresh|id|auth|api|private|db)?[_-]?(?:password|passwd|pwd|secret|token|key|credentials?))(["']?\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi,
    `$1$2${REDACTED}`,
  ],
  // Long runs of key-like characters: keys, hex or base64 secrets.
  [/[A-Za-z0-9+_=-]{24,}/g, REDACTED],
];

/** The last `limitBytes` bytes of `output` (an ellipsis included), redacted, on one line. */
export function redactOutput(output: Buffer | string, limitBytes = 512): string {
  let text = typeof output === 'string' ? output : output.toString('utf8');
  for (const [pattern, replacement] of PATTERNS) text = text.replace(pattern, replacement);
  // Redacted first, then cut: a secret cut in half would no longer look like one.
  const line = text
    .trim()
    .replace(/\s*[\r\n]+\s*/g, ' | ')
    .replace(/\p{Cc}/gu, ' ');
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= limitBytes) return line;
  const cut = bytes.subarray(bytes.length - limitBytes + ELLIPSIS_BYTES).toString('utf8');
  return `…${cut.replace(/^\uFFFD+/, '')}`;
}

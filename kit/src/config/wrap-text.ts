/**
 * Wraps prose for --help: consecutive lines form a paragraph that is re-flowed to the width; a
 * line that starts with whitespace (an example, a list) is kept as it is.
 */
export function wrapText(text: string, width: number): string {
  const out: string[] = [];
  let words: string[] = [];
  const flush = () => {
    let line = '';
    for (const word of words) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    if (line) out.push(line);
    words = [];
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '' || /^\s/.test(line)) {
      flush();
      out.push(line.trimEnd());
    } else {
      words.push(...line.split(/\s+/).filter(Boolean));
    }
  }
  flush();
  return out.join('\n');
}

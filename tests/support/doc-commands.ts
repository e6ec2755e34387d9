/**
 * The shell commands of the docs' sh/bash blocks, split the way a shell would split them: quotes
 * and `\` line continuations join lines, `#` starts a comment only at a word's start outside
 * quotes, and `&&`, `||`, `;` and `|` separate commands. Enough shell for docs, not a shell.
 */
import { readFileSync } from 'node:fs';

export interface DocCommand {
  /** The page and the line the command starts on, for messages. */
  readonly where: string;
  /** Words with their quotes removed; `$(…)` and `$VAR` are left as written. */
  readonly words: readonly string[];
  /** The command as written, comments dropped. */
  readonly text: string;
}

const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell']);

/** Every command of every sh/bash/shell fenced block of `page` (a path relative to `root`). */
export function docCommands(root: string, page: string): DocCommand[] {
  const source = readFileSync(`${root}/${page}`, 'utf8');
  const commands: DocCommand[] = [];
  for (const match of source.matchAll(/^ *```(\w*)\n([\s\S]*?)^ *```/gm)) {
    if (!SHELL_LANGUAGES.has(match[1]!)) continue;
    const firstLine = source.slice(0, match.index).split('\n').length + 1;
    commands.push(...splitCommands(match[2]!, page, firstLine));
  }
  return commands;
}

function splitCommands(block: string, page: string, firstLine: number): DocCommand[] {
  const commands: DocCommand[] = [];
  let words: string[] = [];
  let word: string | undefined;
  let text = '';
  let quote: '"' | "'" | undefined;
  let depth = 0; // inside $( … ), where separators belong to the inner command
  let line = firstLine;
  let startLine = line;

  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0)
      commands.push({ where: `${page}:${startLine}`, words, text: text.trim() });
    words = [];
    text = '';
  };

  for (let i = 0; i < block.length; i++) {
    const c = block[i]!;
    if (word === undefined && words.length === 0 && c.trim() !== '') startLine = line;
    if (c === '\n') line++;
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
      text += c;
      continue;
    }
    if (c === '\\' && block[i + 1] === '\n') {
      i++;
      line++;
      text += ' ';
      endWord();
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
      text += c;
      continue;
    }
    if (c === '$' && block[i + 1] === '(') depth++;
    if (c === ')' && depth > 0) depth--;
    if (depth === 0 && c === '#' && word === undefined) {
      while (i + 1 < block.length && block[i + 1] !== '\n') i++;
      continue;
    }
    const redirect = c === '&' && (block[i - 1] === '>' || block[i + 1] === '>');
    if (depth === 0 && !redirect && (c === '\n' || c === ';' || c === '|' || c === '&')) {
      if ((c === '|' || c === '&') && block[i + 1] === c) i++;
      endCommand();
      continue;
    }
    text += c;
    if (depth === 0 && (c === ' ' || c === '\t')) endWord();
    else word = (word ?? '') + c;
  }
  endCommand();
  return commands;
}

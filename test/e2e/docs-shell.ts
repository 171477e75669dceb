/**
 * The shell language the docs may use in their `sh` blocks, parsed exactly
 * enough to run it without a shell: words with single and double quotes,
 * `$NAME`, `${NAME}` and `$(command)` expansions, `NAME=value` assignments
 * (alone, or as a prefix of one command), `export`, pipelines with `|`,
 * lists with `&&`, `! ` to expect a failure, `> file`, `# comments` and
 * lines continued with a backslash. Whatever a real shell would do
 * differently here (globs, `~`, an unquoted expansion that would be split
 * into several words, `;`, `&`, `||`) is refused with a clear error, so a
 * block the test passes behaves the same when a reader pastes it.
 */

/** One piece of a word: literal text, a variable, or a command substitution. */
export type WordPart =
  | { kind: 'text'; text: string; quoted: boolean }
  | { kind: 'variable'; name: string; quoted: boolean }
  | { kind: 'substitution'; source: string; quoted: boolean };

/** A word as written, before expansion. */
export type Word = WordPart[];

/** One simple command: prefix assignments, its words and an optional `> file`. */
export interface Command {
  assignments: { name: string; value: Word }[];
  words: Word[];
  stdoutTo?: Word;
}

/** Commands joined by `|`, optionally negated with a leading `!`. */
export interface Pipeline {
  negated: boolean;
  commands: Command[];
}

/** Pipelines joined by `&&`: each runs only when the one before succeeded. */
export type CommandList = Pipeline[];

/** The logical lines of a block: comments and blank lines dropped, continuations joined. */
export function logicalLines(block: string): string[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of block.split('\n')) {
    const line = pending + raw;
    if (/(^|[^\\])\\$/.test(line)) {
      pending = line.slice(0, -1);
      continue;
    }
    pending = '';
    if (line.trim() !== '' && !line.trim().startsWith('#')) lines.push(line.trim());
  }
  if (pending.trim() !== '') throw new Error(`a line ends with a backslash and nothing follows: ${pending}`);
  return lines;
}

type Token = { kind: 'word'; word: Word } | { kind: 'operator'; op: '&&' | '|' | '>' | '!' };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** The `$(…)` source starting at `start` (just after `$(`), and the index after its `)`. */
function readSubstitution(line: string, start: number): [string, number] {
  let depth = 1;
  let quote: string | undefined;
  for (let i = start; i < line.length; i++) {
    const char = line[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"') i++;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === '(') depth++;
    else if (char === ')' && --depth === 0) return [line.slice(start, i), i + 1];
  }
  throw new Error(`unclosed $( in: ${line}`);
}

/** Reads `$NAME`, `${NAME}` or `$(…)` at `i` (the `$`); returns the part and the index after it. */
function readDollar(line: string, i: number, quoted: boolean): [WordPart, number] {
  if (line[i + 1] === '(') {
    const [source, end] = readSubstitution(line, i + 2);
    return [{ kind: 'substitution', source, quoted }, end];
  }
  if (line[i + 1] === '{') {
    const end = line.indexOf('}', i);
    const name = line.slice(i + 2, end);
    if (end < 0 || !NAME.test(name) || NAME.exec(name)![0] !== name) throw new Error(`unsupported \${…} in: ${line}`);
    return [{ kind: 'variable', name, quoted }, end + 1];
  }
  const name = NAME.exec(line.slice(i + 1))?.[0];
  if (!name) throw new Error(`a bare $ (quote it) in: ${line}`);
  return [{ kind: 'variable', name, quoted }, i + 1 + name.length];
}

/** Splits one logical line into words and operators. */
function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let word: Word | undefined;
  const text = (value: string, quoted: boolean) => {
    word ??= [];
    const last = word[word.length - 1];
    if (last?.kind === 'text' && last.quoted === quoted) last.text += value;
    else word.push({ kind: 'text', text: value, quoted });
  };
  const endWord = () => {
    if (word) tokens.push({ kind: 'word', word });
    word = undefined;
  };
  let i = 0;
  while (i < line.length) {
    const char = line[i]!;
    if (char === ' ' || char === '\t') {
      endWord();
      i++;
    } else if (char === '#' && !word) {
      break;
    } else if (line.startsWith('&&', i) || char === '|' || char === '>') {
      if (line.startsWith('||', i)) throw new Error(`|| is not supported in: ${line}`);
      endWord();
      const op = line.startsWith('&&', i) ? '&&' : (char as '|' | '>');
      tokens.push({ kind: 'operator', op });
      i += op.length;
    } else if (char === '!' && !word && (line[i + 1] === ' ' || i + 1 === line.length)) {
      tokens.push({ kind: 'operator', op: '!' });
      i++;
    } else if (';&<`'.includes(char)) {
      throw new Error(`"${char}" is not supported in: ${line}`);
    } else if (char === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in: ${line}`);
      text(line.slice(i + 1, end), true);
      i = end + 1;
    } else if (char === '"') {
      i++;
      word ??= [];
      text('', true);
      while (line[i] !== '"') {
        if (i >= line.length) throw new Error(`unclosed " in: ${line}`);
        if (line[i] === '\\' && '"\\$`'.includes(line[i + 1] ?? '')) {
          text(line[i + 1]!, true);
          i += 2;
        } else if (line[i] === '$') {
          const [part, next] = readDollar(line, i, true);
          word.push(part);
          i = next;
        } else {
          text(line[i]!, true);
          i++;
        }
      }
      i++;
    } else if (char === '\\') {
      text(line[i + 1] ?? '', true);
      i += 2;
    } else if (char === '$') {
      const [part, next] = readDollar(line, i, false);
      word ??= [];
      word.push(part);
      i = next;
    } else {
      if (char === '*' || char === '?' || char === '[' || (char === '~' && !word)) {
        throw new Error(`unquoted "${char}" (the shell would expand it) in: ${line}`);
      }
      text(char, false);
      i++;
    }
  }
  endWord();
  return tokens;
}

/** The assignment `NAME=…` a word starts with, if it is one. */
function assignmentOf(word: Word): { name: string; value: Word } | undefined {
  const first = word[0];
  if (first?.kind !== 'text' || first.quoted) return undefined;
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.text);
  if (!match) return undefined;
  const rest = first.text.slice(match[0].length);
  return { name: match[1]!, value: [...(rest === '' ? [] : [{ ...first, text: rest }]), ...word.slice(1)] };
}

/** Parses one logical line into pipelines joined by `&&`. */
export function parseLine(line: string): CommandList {
  const list: CommandList = [];
  let pipeline: Pipeline = { negated: false, commands: [] };
  let command: Command = { assignments: [], words: [] };
  let redirect = false;
  const endCommand = () => {
    if (command.words.length === 0 && command.assignments.length === 0) throw new Error(`an empty command in: ${line}`);
    if (redirect && !command.stdoutTo) throw new Error(`> without a file in: ${line}`);
    pipeline.commands.push(command);
    command = { assignments: [], words: [] };
    redirect = false;
  };
  for (const token of tokenize(line)) {
    if (token.kind === 'word') {
      const assignment = command.words.length === 0 && !redirect ? assignmentOf(token.word) : undefined;
      if (redirect) {
        if (command.stdoutTo) throw new Error(`one word after > in: ${line}`);
        command.stdoutTo = token.word;
      } else if (assignment) command.assignments.push(assignment);
      else command.words.push(token.word);
    } else if (token.op === '>') redirect = true;
    else if (token.op === '!') pipeline.negated = true;
    else if (token.op === '|') endCommand();
    else {
      endCommand();
      list.push(pipeline);
      pipeline = { negated: false, commands: [] };
    }
  }
  endCommand();
  list.push(pipeline);
  return list;
}

/** How expansions get their values. */
export interface Expander {
  variable(name: string): string | undefined;
  substitute(source: string): Promise<string>;
}

/** Expands a word into the one string it stands for (unquoted expansions must not contain spaces). */
export async function expandWord(word: Word, expander: Expander): Promise<string> {
  let out = '';
  for (const part of word) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    let value: string;
    if (part.kind === 'variable') {
      const found = expander.variable(part.name);
      if (found === undefined) throw new Error(`$${part.name} is not set`);
      value = found;
    } else value = (await expander.substitute(part.source)).replace(/\n+$/, '');
    if (!part.quoted && /\s/.test(value)) throw new Error(`an unquoted expansion would be split into words (quote it): ${value}`);
    out += value;
  }
  return out;
}

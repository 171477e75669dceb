/**
 * Reading the docs as the docs tests need them: which Markdown files are
 * the docs (README.md, CONTRIBUTING.md, CHANGELOG.md and everything under
 * docs/), their fenced blocks in order with the heading they sit under and
 * the file a block is to be saved as ("Save this as `host.mjs`:" right
 * before it) and whether prose separates a block from the one before it,
 * and their inline code spans and links, both outside fences.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ROOT } from './spawn.js';

/** One fenced block of a Markdown file. */
export interface Fence {
  /** The fence's language (`sh`, `ts`, `text` …), empty when it has none. */
  language: string;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The `## ` heading the block is under (or `#` title before any). */
  section: string;
  /** The file the text before the block asks to save it as. */
  saveAs?: string;
  /** True when nothing but blank lines separates the block from the one before it. */
  direct: boolean;
}

/** A Markdown file of the docs, read. */
export interface Doc {
  /** Path from the repository root, `/`-separated. */
  path: string;
  text: string;
  fences: Fence[];
  /** The text outside fences, with each fence replaced by blank lines (line numbers kept). */
  prose: string;
}

const SAVE_AS = /save (?:this|it) as `([^`]+)`[^`\n]*:\s*$/i;

/** Splits Markdown into its fences and the prose around them. */
export function parseDoc(path: string, text: string): Doc {
  const fences: Fence[] = [];
  const prose: string[] = [];
  const lines = text.split('\n');
  let section = '';
  let before = '';
  let textSinceFence = true;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const open = /^(\s*)```(\S*)/.exec(line);
    if (!open) {
      if (/^#{1,2} /.test(line)) section = line.replace(/^#+ /, '');
      if (line.trim() !== '') {
        before = line;
        textSinceFence = true;
      }
      prose.push(line);
      continue;
    }
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    if (j >= lines.length) throw new Error(`${path}:${i + 1}: a fence is never closed`);
    const saveAs = SAVE_AS.exec(before)?.[1];
    const direct = !textSinceFence;
    fences.push({ language: open[2]!, body: body.join('\n'), line: i + 1, section, direct, ...(saveAs ? { saveAs } : {}) });
    for (let k = i; k <= j; k++) prose.push('');
    before = '';
    textSinceFence = false;
    i = j;
  }
  return { path, text, fences, prose: prose.join('\n') };
}

async function markdownUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await markdownUnder(path)));
    else if (entry.name.endsWith('.md')) found.push(path);
  }
  return found;
}

/** Every Markdown file of the docs, read and parsed, README.md first. */
export async function readDocs(): Promise<Doc[]> {
  const top = ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md'].map((name) => join(ROOT, name));
  const files = [...top, ...(await markdownUnder(join(ROOT, 'docs'))).sort()];
  return Promise.all(files.map(async (file) => parseDoc(relative(ROOT, file).split('\\').join('/'), await readFile(file, 'utf8'))));
}

/** One inline code span or link target, with its line. */
export interface Mention {
  text: string;
  line: number;
}

function mentions(prose: string, pattern: RegExp): Mention[] {
  const found: Mention[] = [];
  prose.split('\n').forEach((line, index) => {
    for (const match of line.matchAll(pattern)) found.push({ text: match[1]!, line: index + 1 });
  });
  return found;
}

/** The inline code spans of a doc's prose (single backticks). */
export function inlineCode(doc: Doc): Mention[] {
  return mentions(doc.prose, /(?<!`)`([^`\n]+)`(?!`)/g);
}

/** The targets of a doc's Markdown links `[text](target)`. */
export function linkTargets(doc: Doc): Mention[] {
  const withoutCode = doc.prose.replace(/`[^`\n]*`/g, (span) => ' '.repeat(span.length));
  return mentions(withoutCode, /\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g);
}

/**
 * What the docs point at exists: every repository path they name in
 * backticks (`src/core/…`, `test/…`, `registry-server/…`, `bench/…` …, a
 * folder when it ends in `/`, its folder when it ends in a glob) and every
 * relative Markdown link, anchors included (GitHub's heading slugs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inlineCode, linkTargets, readDocs } from './docs-markdown.js';
import { ROOT } from './spawn.js';

const docs = await readDocs();

/** Inline code that names a file or folder of this repository. */
const REPOSITORY_PATH =
  /^(src\/(core|node|browser)|registry-server|test|bench|scripts|examples|docs|\.ci)(\/[\w.@*-]*)*\/?$|^(package\.json|vitest\.config\.ts|tsconfig(\.core)?\.json|rollup\.config\.mjs|README\.md|CONTRIBUTING\.md|CHANGELOG\.md|\.editorconfig)$/;

/** GitHub's anchor for a heading text. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown file's headings. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  let inFence = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const heading = !inFence && /^#{1,6} (.+)$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  return found;
}

describe('what the docs point at', () => {
  it('every repository path in backticks exists', () => {
    const missing: string[] = [];
    for (const doc of docs) {
      for (const { text, line } of inlineCode(doc).filter((span) => REPOSITORY_PATH.test(span.text))) {
        const path = text.includes('*') ? text.slice(0, text.indexOf('*')) : text;
        if (!existsSync(join(ROOT, path))) missing.push(`${doc.path}:${line}: ${text}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every relative link resolves, anchors included', () => {
    const broken: string[] = [];
    for (const doc of docs) {
      for (const { text, line } of linkTargets(doc)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(text)) continue;
        const [target, anchor] = text.split('#') as [string, string | undefined];
        const file = target === '' ? join(ROOT, doc.path) : normalize(join(ROOT, dirname(doc.path), decodeURIComponent(target)));
        if (!existsSync(file)) broken.push(`${doc.path}:${line}: ${text} (no such file)`);
        else if (anchor !== undefined && file.endsWith('.md') && !anchors(file).has(anchor)) broken.push(`${doc.path}:${line}: ${text} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});

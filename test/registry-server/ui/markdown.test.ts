import { describe, expect, it } from 'vitest';
import { MAX_RENDERED_MARKDOWN_BYTES, MarkdownCache, renderMarkdown } from '../../../registry-server/ui/markdown.js';

const encoder = new TextEncoder();
const render = async (source: string) => (await renderMarkdown(encoder.encode(source))).html;

/** Payloads from the usual XSS cheat sheets, as a hostile README would carry them. */
const PAYLOADS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<img src="https://example.com/a.png" onload="alert(1)">',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="JaVaScRiPt:alert(1)">x</a>',
  '<a href="&#106;avascript:alert(1)">x</a>',
  '<a href="java\tscript:alert(1)">x</a>',
  '[x](javascript:alert(1))',
  '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '![x](javascript:alert(1))',
  '<details open ontoggle=alert(1)>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<form action="https://evil.example"><button>go</button></form>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="javascript:alert(1)">',
  '<base href="https://evil.example/">',
  '<meta http-equiv="refresh" content="0;url=https://evil.example">',
  '<link rel="stylesheet" href="https://evil.example/x.css">',
  '<style>body{background:url(https://evil.example)}</style>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<input autofocus onfocus=alert(1)>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<a href="//evil.example">protocol-relative</a>',
  '<img src="http://tracker.example/pixel.gif">',
];

describe('renderMarkdown', () => {
  it('renders GitHub-flavoured Markdown', async () => {
    const html = await render('# Title\n\nSome *text* and `code`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\n```js\nlet x = 1;\n```\n');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<em>text</em>');
    expect(html).toContain('<table tabindex="0">');
    expect(html).toContain('<input type="checkbox" disabled aria-label="done" checked />');
    expect(html).toContain('<code class="language-js">');
  });

  it.each(PAYLOADS)('leaves nothing that runs or leaves the page from %s', async (payload) => {
    const html = await render(`Before\n\n${payload}\n\nAfter`);
    expect(html).not.toMatch(/<(script|iframe|object|embed|form|base|meta|link|style|svg|math|button)\b/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/(href|src)="\s*(javascript|data|vbscript):/i);
    expect(html).not.toMatch(/(href|src)="\/\//i);
    expect(html).not.toMatch(/src="http:/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/autofocus/i);
    expect(html).toContain('Before');
  });

  it('marks links nofollow and keeps https images', async () => {
    const html = await render('[site](https://example.com) ![logo](https://example.com/logo.png)');
    expect(html).toContain('<a href="https://example.com" rel="nofollow noopener noreferrer">site</a>');
    expect(html).toContain('<img src="https://example.com/logo.png" alt="logo" />');
  });

  it('renders only the first MAX_RENDERED_MARKDOWN_BYTES and says so', async () => {
    const long = encoder.encode(`${'word '.repeat(Math.ceil(MAX_RENDERED_MARKDOWN_BYTES / 5))}TAIL`);
    const rendered = await renderMarkdown(long);
    expect(rendered.truncated).toBe(true);
    expect(rendered.html).not.toContain('TAIL');
  });
});

describe('MarkdownCache', () => {
  it('reads and renders a file once per digest', async () => {
    const cache = new MarkdownCache();
    let reads = 0;
    const read = async () => {
      reads++;
      return encoder.encode('# Hi');
    };
    expect((await cache.get('aa', read))?.html).toBe('<h1>Hi</h1>\n');
    expect((await cache.get('aa', read))?.html).toBe('<h1>Hi</h1>\n');
    expect(reads).toBe(1);
    expect(await cache.get('bb', async () => undefined)).toBeUndefined();
  });
});

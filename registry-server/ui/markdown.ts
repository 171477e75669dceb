/**
 * A plugin's README and CHANGELOG as HTML for the registry's pages: Markdown
 * rendered by marked (GitHub-flavoured), then sanitized by sanitize-html
 * with an allowlist, so that nothing an author writes runs on the registry's
 * origin: no script, no event handler, no style, no form, no frame, no
 * `javascript:` or `data:` link; links open with `rel="nofollow noopener
 * noreferrer"`, images only over https (the pages' Content-Security-Policy
 * says the same). Input is bounded (the first MAX_RENDERED_MARKDOWN_BYTES),
 * and renders are cached by the file's blob digest. marked and sanitize-html
 * are imported on first use, so that `plughub/server` loads without them
 * when pages are not served.
 */
import { SizedLru } from '../storage/lru.js';

/** The most of a Markdown file rendered; past it the page says the rest is in the file. */
export const MAX_RENDERED_MARKDOWN_BYTES = 256 * 1024;

const ALLOWED_TAGS = [
  ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'pre', 'code', 'kbd', 'samp'],
  ...['ul', 'ol', 'li', 'dl', 'dt', 'dd', 'a', 'img', 'em', 'strong', 'del', 's', 'sub', 'sup', 'mark', 'abbr'],
  ...['table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'details', 'summary', 'span', 'div', 'input'],
];

/** Rendered HTML, sanitized, and whether the source was cut at MAX_RENDERED_MARKDOWN_BYTES. */
export interface RenderedMarkdown {
  html: string;
  truncated: boolean;
}

type Render = (source: string) => string;
let renderer: Promise<Render> | undefined;

/** marked and sanitize-html, loaded once, composed into one function. */
function loadRenderer(): Promise<Render> {
  renderer ??= (async () => {
    const [{ Marked }, { default: sanitizeHtml }] = await Promise.all([import('marked'), import('sanitize-html')]);
    const marked = new Marked({ gfm: true, breaks: false, async: false });
    const options: import('sanitize-html').IOptions = {
      allowedTags: ALLOWED_TAGS,
      allowedAttributes: {
        a: ['href', 'title', 'rel'],
        img: ['src', 'alt', 'title', 'width', 'height'],
        code: ['class'],
        th: ['align'],
        td: ['align'],
        input: ['type', 'checked', 'disabled', 'aria-label'],
        pre: ['tabindex'],
        table: ['tabindex'],
        abbr: ['title'],
      },
      allowedClasses: { code: [/^language-[a-z0-9+#-]{1,32}$/] },
      allowedSchemes: ['https', 'http', 'mailto'],
      allowedSchemesByTag: { img: ['https'] },
      allowProtocolRelative: false,
      disallowedTagsMode: 'discard',
      transformTags: {
        a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'nofollow noopener noreferrer' } }),
        // A task list's checkbox: disabled, labelled by its state; no other input survives.
        input: (tagName, attribs) =>
          attribs.type === 'checkbox'
            ? {
                tagName,
                attribs: {
                  type: 'checkbox',
                  disabled: '',
                  'aria-label': attribs.checked !== undefined ? 'done' : 'not done',
                  ...(attribs.checked !== undefined ? { checked: '' } : {}),
                },
              }
            : { tagName: 'span', attribs: {} },
        // Code blocks and tables may scroll: keyboard users reach them.
        pre: (tagName) => ({ tagName, attribs: { tabindex: '0' } }),
        table: (tagName) => ({ tagName, attribs: { tabindex: '0' } }),
      },
      // Images only from https URLs: a relative one would ask this registry for a path of the author's choosing.
      exclusiveFilter: (frame) => frame.tag === 'img' && !/^https:\/\//i.test(frame.attribs.src ?? ''),
    };
    return (source: string) => sanitizeHtml(marked.parse(source) as string, options);
  })();
  return renderer;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Renders Markdown to HTML that is safe to place in a page (see the module comment). */
export async function renderMarkdown(bytes: Uint8Array): Promise<RenderedMarkdown> {
  const truncated = bytes.byteLength > MAX_RENDERED_MARKDOWN_BYTES;
  const source = decoder.decode(truncated ? bytes.subarray(0, MAX_RENDERED_MARKDOWN_BYTES) : bytes);
  const render = await loadRenderer();
  return { html: render(source), truncated };
}

/** Renders of recent files, by blob digest: a page view of a popular plugin renders nothing. */
export class MarkdownCache {
  readonly #renders = new SizedLru<RenderedMarkdown>(8 * 1024 * 1024, (rendered) => rendered.html.length * 2);

  /** The render of the file with digest `hex`, reading its bytes only when it is not cached. */
  async get(hex: string, read: () => Promise<Uint8Array | undefined>): Promise<RenderedMarkdown | undefined> {
    const cached = this.#renders.get(hex);
    if (cached) return cached;
    const bytes = await read();
    if (bytes === undefined) return undefined;
    const rendered = await renderMarkdown(bytes);
    this.#renders.set(hex, rendered);
    return rendered;
  }
}

/**
 * The plugin bundles the real-browser tests publish: plain ES modules, as a
 * plugin author's build would produce them.
 */

/** Greets `who` and says how it was imported (the scheme of its own module URL). */
export const GREETER = `export default {
  async execute(ctx) {
    ctx.host?.note?.('greeting ' + ctx.get('who'));
    const scheme = import.meta.url.slice(0, import.meta.url.indexOf(':'));
    return 'Hello, ' + ctx.get('who') + '! (' + ctx.plugin.name + '@' + ctx.plugin.version + ' via ' + scheme + ')';
  },
};
`;

/** Says which realm it runs in (a worker or the page), and notes it through the host API. */
export const WHERE = `export default {
  async execute(ctx) {
    const realm = typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope ? 'worker' : 'page';
    await ctx.host.note('running in ' + realm + ' for ' + ctx.get('who'));
    return realm;
  },
};
`;

/** Waits until its context aborts, then notes the reason. */
export const WAITER = `export default {
  execute(ctx) {
    return new Promise((resolve) => {
      ctx.signal.addEventListener('abort', () => {
        ctx.host.note('aborted: ' + ctx.signal.reason.name);
        resolve('aborted');
      });
      ctx.host.note('waiting');
    });
  },
};
`;

/** Cannot be parsed. */
export const SYNTAX_ERROR = 'export const = ;\n';

/** Throws while the module is evaluated. */
export const THROWS_AT_IMPORT = "throw new RangeError('no configuration found');\nexport function execute() {}\n";

/**
 * Computes an answer from its context values with web-standard APIs only
 * (crypto.subtle, TextEncoder, Intl-free string work), so Node and a browser
 * must agree on it exactly.
 */
export const DIGEST = `export async function execute(ctx) {
  const text = String(ctx.get('text'));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  const hex = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
  const words = text.split(/\\s+/).filter(Boolean);
  return JSON.stringify({
    plugin: ctx.plugin.name + '@' + ctx.plugin.version,
    sha256: hex,
    words: words.length,
    longest: words.reduce((a, b) => (b.length > a.length ? b : a), ''),
    sum: words.reduce((total, word) => total + word.length * (ctx.get('factor') ?? 1), 0),
  });
}
`;

/**
 * word-count: a TypeScript plugin. `text` is the input; `top` (default 3)
 * says how many of the most frequent words to return. The helper module is
 * inlined by `plughub build`, and so is definePlugin.
 */
import { definePlugin } from 'plughub';
import { countWords, mostFrequent } from './count.js';

export default definePlugin({
  async execute(ctx) {
    const text = ctx.get<string>('text') ?? '';
    const top = Number(ctx.get('top') ?? 3);
    ctx.throwIfAborted();
    const counts = countWords(text);
    return { words: [...counts.values()].reduce((sum, n) => sum + n, 0), distinct: counts.size, top: mostFrequent(counts, top) };
  },
});

/**
 * greet: a plain JavaScript plugin. `who` is the name to greet, `excited`
 * adds an exclamation mark; `ctx.label` says which HTTP route called it, when
 * one did. definePlugin is inlined by `plughub build`.
 */
import { definePlugin } from 'plughub';

export default definePlugin({
  async activate(ctx) {
    ctx.log.debug('greet is ready');
  },
  async execute(ctx) {
    const who = ctx.get('who') ?? 'world';
    const mark = ctx.get('excited') === true ? '!' : '.';
    return { greeting: `Hello, ${who}${mark}`, label: ctx.label ?? null };
  },
});

/**
 * A plugin that serves HTTP routes (see plugin.json's http_services): each
 * call's ctx.label names the route, ctx.get('params') holds its parameters
 * and ctx.request is the Request. An object returned is answered as JSON.
 */
export default {
  async execute(ctx) {
    const served = `${ctx.plugin.name}@${ctx.plugin.version}`;
    if (ctx.label === 'sample.echo') return { echoed: await ctx.request.text(), served };
    return { id: ctx.get('params').id, query: new URL(ctx.request.url).searchParams.get('q'), served };
  },
};

/**
 * The web pages' entries in the registry's OpenAPI document: HTML for
 * people, listed so that every route the registry has is documented
 * (registry-server/openapi.ts spreads them into its paths).
 */

const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const notFound = html('A page saying what was not found.');
const PLUGIN_QUERY = [
  { name: 'v', in: 'query', required: false, description: 'The version to show (default: the latest).', schema: { type: 'string' } },
  { name: 'fragment', in: 'query', required: false, description: '`versions`: only the versions table (for the page script).', schema: { enum: ['versions'] } },
];

/** The pages: search, a plugin (plain and scoped names), and the two assets. */
export const PAGES_OPENAPI_PATHS = {
  '/': {
    get: {
      tags: ['pages'],
      summary: 'The search page',
      parameters: ['q', 'scope', 'keyword', 'host', 'yanked', 'sort', 'page', 'fragment'].map((name) => ({
        name,
        in: 'query',
        required: false,
        schema: { type: 'string' },
      })),
      responses: { '200': html('Search results, 20 a page (`fragment=results`: the results alone).') },
    },
  },
  '/plugins/{name}': {
    get: {
      tags: ['pages'],
      summary: "An unscoped plugin's page",
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }, ...PLUGIN_QUERY],
      responses: { '200': html("The plugin's page."), '404': notFound },
    },
  },
  '/plugins/{scope}/{name}': {
    get: {
      tags: ['pages'],
      summary: "A scoped plugin's page (`/plugins/@acme/hello`)",
      parameters: [
        { name: 'scope', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
        ...PLUGIN_QUERY,
      ],
      responses: { '200': html("The plugin's page."), '404': notFound },
    },
  },
  '/assets/{file}': {
    get: {
      tags: ['pages'],
      summary: "The pages' stylesheet (site.css) and script (registry.js)",
      parameters: [{ name: 'file', in: 'path', required: true, schema: { enum: ['site.css', 'registry.js'] } }],
      responses: { '200': { description: 'The asset, cacheable for a year.' }, '404': notFound },
    },
  },
} as const;

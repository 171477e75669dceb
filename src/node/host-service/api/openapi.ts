/**
 * The OpenAPI 3.1 document of the management API, served at
 * `/api/v1/openapi.json`. Paths are relative to the server URL `/api/v1`; a
 * test checks them against the API's real routes, so that neither can
 * drift from the other.
 */

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const answer = (description: string, schema?: object) => ({ description, ...(schema ? { content: json(schema) } : {}) });
const failure = (description: string) => answer(description, ref('Error'));

const name = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'The plugin name; a scoped name with its slash encoded: `@acme%2Fhello`',
  schema: { type: 'string' },
};
const denied = { '401': failure('No token, or a token that is not valid'), '403': failure('A token without the admin scope') };
const changeFailures = {
  ...denied,
  '404': failure('The plugin is not loaded (E_NOT_LOADED)'),
  '503': failure('The host is still loading its first plugins, or stopping'),
};
const plugin = answer('The plugin', ref('Plugin'));
const swap = answer('The version serving now', {
  type: 'object',
  required: ['name', 'from', 'to', 'plugin'],
  properties: { name: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, plugin: ref('Plugin') },
});

/** The management API's OpenAPI document. */
export const MANAGEMENT_OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'plughub host management API',
    version: '1',
    description:
      'Manage the plugins of a running `plughub host`. Reads (GET) are open or need a token, as the service is configured; every change needs a token with the admin scope. Errors are `{ "error": { "code", "message" } }`.',
  },
  servers: [{ url: '/api/v1' }],
  security: [{ bearer: [] }, {}],
  paths: {
    '/plugins': {
      get: {
        summary: 'The loaded plugins',
        responses: {
          '200': answer('The plugins', { type: 'object', required: ['plugins'], properties: { plugins: { type: 'array', items: ref('Plugin') } } }),
          '401': failure('Reads need a token and none (or a bad one) was sent'),
        },
      },
      post: {
        summary: 'Load a plugin from the registry (`spec`) or from an allowed local path (`path`)',
        security: [{ bearer: [] }],
        requestBody: {
          required: true,
          content: json({
            oneOf: [
              { type: 'object', required: ['spec'], additionalProperties: false, properties: { spec: { type: 'string', examples: ['hello@^1'] } } },
              { type: 'object', required: ['path'], additionalProperties: false, properties: { path: { type: 'string', examples: ['notes'] } } },
            ],
          }),
        },
        responses: {
          '200': answer('Already loaded at a version the range accepts', ref('Plugin')),
          '201': answer('Loaded', ref('Plugin')),
          '400': failure('A body, spec or range that is not valid (E_BAD_REQUEST, E_USAGE)'),
          ...denied,
          '403': failure('A token without the admin scope, or a path outside api.allowLoadFrom (E_PATH_NOT_ALLOWED)'),
          '404': failure('No such version in the registry (E_RESOLVE), or no such file'),
          '409': failure('Loaded already at another version (E_CONFLICT), or no registry (E_NO_REGISTRY)'),
          '422': failure('The plugin could not be loaded (E_LOAD, E_MANIFEST, E_COMPATIBILITY …)'),
          '502': failure('The registry failed or sent bytes that did not verify'),
        },
      },
    },
    '/plugins/{name}': {
      parameters: [name],
      get: {
        summary: 'One loaded plugin',
        responses: { '200': plugin, '400': failure('Not a plugin name'), '401': failure('Reads need a token'), '404': failure('Not loaded (E_NOT_LOADED)') },
      },
      delete: {
        summary: 'Unload a plugin',
        security: [{ bearer: [] }],
        parameters: [{ name: 'force', in: 'query', required: false, description: 'Unload even when loaded plugins depend on it', schema: { type: 'boolean' } }],
        responses: {
          '200': answer('Unloaded', {
            type: 'object',
            properties: { unloaded: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' } } } },
          }),
          ...changeFailures,
          '409': failure('Loaded plugins depend on it (E_HAS_DEPENDENTS)'),
        },
      },
    },
    '/plugins/{name}/upgrade': {
      parameters: [name],
      post: {
        summary: 'Move a registry plugin to the newest version its range allows',
        security: [{ bearer: [] }],
        responses: { '200': swap, ...changeFailures, '409': failure('A local plugin (E_NOT_REGISTRY): reload it'), '502': failure('The registry failed') },
      },
    },
    '/plugins/{name}/reload': {
      parameters: [name],
      post: {
        summary: 'Read a local plugin again from its folder or .plg file and swap it in',
        security: [{ bearer: [] }],
        responses: {
          '200': swap,
          ...changeFailures,
          '409': failure('A registry plugin (E_NOT_LOCAL): upgrade it'),
          '422': failure('The new files do not load'),
        },
      },
    },
    '/plugins/{name}/execute': {
      parameters: [name],
      post: {
        summary: "Run a plugin's execute with values and a label",
        security: [{ bearer: [] }],
        requestBody: {
          content: json({
            type: 'object',
            additionalProperties: false,
            properties: {
              values: { type: 'object' },
              label: { type: 'string' },
              timeoutMs: { type: 'integer', minimum: 1, maximum: 300000, default: 30000 },
            },
          }),
        },
        responses: {
          '200': answer('What execute returned', { type: 'object', required: ['result'], properties: { result: {} } }),
          ...changeFailures,
          '413': failure('The body is larger than maxBodyBytes'),
          '500': failure('The plugin threw (E_EXECUTE)'),
          '504': failure('The plugin did not finish within timeoutMs (E_DEADLINE)'),
        },
      },
    },
    '/upgrade': {
      post: {
        summary: 'Upgrade every registry plugin (an update check); one failing does not fail the others',
        security: [{ bearer: [] }],
        responses: { '200': answer('What moved and what failed', ref('UpdateReport')), ...denied, '503': failure('The host is not ready') },
      },
    },
    '/events': {
      get: {
        summary:
          "The host's lifecycle events as Server-Sent Events (loading, activated, loaded, upgraded, deactivated, retired, unloaded, error, checked, watch)",
        parameters: [{ name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'The stream: `id:`, `event:` and one `data:` line of JSON per event, heartbeat comments',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          '401': failure('Reads need a token'),
          '503': failure('Too many streams are open (E_TOO_MANY_STREAMS)'),
        },
      },
    },
    '/config': {
      get: {
        summary: 'The effective configuration, credentials redacted',
        responses: { '200': answer('The configuration', { type: 'object' }), '401': failure('Reads need a token') },
      },
    },
    '/health': { get: { summary: 'Liveness', responses: { '200': answer('The process answers', { type: 'object' }), '401': failure('Reads need a token') } } },
    '/ready': {
      get: {
        summary: 'Readiness: the first plugins are loaded and the service is not stopping',
        responses: { '200': answer('Ready', { type: 'object' }), '401': failure('Reads need a token'), '503': failure('Starting or stopping (E_NOT_READY)') },
      },
    },
    '/openapi.json': { get: { summary: 'This document', responses: { '200': answer('The OpenAPI document', { type: 'object' }) } } },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token of the api.tokens directory (plughub token create --data DIR)' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
      },
      Route: {
        type: 'object',
        required: ['method', 'pattern', 'label'],
        properties: { method: { type: 'string' }, pattern: { type: 'string' }, label: { type: 'string' } },
      },
      Plugin: {
        type: 'object',
        required: ['name', 'version', 'isolation', 'origin', 'routes', 'state', 'retiring', 'loadedAt', 'integrity', 'metrics'],
        properties: {
          name: { type: 'string' },
          version: { type: 'string' },
          isolation: { enum: ['none', 'worker'] },
          origin: {
            oneOf: [
              { type: 'object', properties: { kind: { const: 'registry' }, registry: { type: 'string' }, range: { type: 'string' } } },
              { type: 'object', properties: { kind: { const: 'local' }, location: { type: 'string' } } },
            ],
          },
          routes: { type: 'array', items: ref('Route') },
          state: { const: 'serving' },
          retiring: {
            description: 'Older versions still finishing calls after a swap',
            type: 'array',
            items: { type: 'object', properties: { version: { type: 'string' }, since: { type: 'string', format: 'date-time' } } },
          },
          loadedAt: { type: 'string', format: 'date-time' },
          integrity: { type: 'string' },
          metrics: { description: "The version's figures from the host's metrics (null when the service has none)" },
        },
      },
      UpdateReport: {
        type: 'object',
        properties: {
          upgraded: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } } },
          failed: {
            type: 'array',
            items: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' }, error: ref('Error/properties/error') } },
          },
        },
      },
    },
  },
} as const;

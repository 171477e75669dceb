/**
 * The OpenAPI 3.1 document of the registry API, served at
 * `/v1/openapi.json`. A test compares its operations with the routes the
 * registry's hono app really has (test/registry-server/openapi.test.ts), so
 * a route added without its entry here, or an entry left for a route that
 * is gone, fails. The prose reference is docs/reference/registry-api.md.
 */
import { PAGES_OPENAPI_PATHS } from './ui/openapi.js';

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorAnswer = (description: string) => ({ description, content: json(ref('Error')) });
const NAME = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'The plugin name; a scoped name URL-encoded (`@acme%2Fhello`).',
  schema: { type: 'string' },
};
const VERSION = { name: 'version', in: 'path', required: true, description: 'An exact semver version, as plugin.json writes it.', schema: { type: 'string' } };
const TAG = {
  name: 'tag',
  in: 'path',
  required: true,
  description: 'A dist-tag: lower-case, starting with a letter, not a semver range; `latest` cannot be moved by hand.',
  schema: { type: 'string', maxLength: 64 },
};
const IF_NONE_MATCH = { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } };
const NOT_MODIFIED = { description: 'Not modified: the ETag named in If-None-Match is current.' };
const ENVELOPE = { 'application/vnd.plughub.envelope+json': { schema: ref('Envelope') } };
const WRITE_REFUSALS = {
  '400': errorAnswer('A malformed name, version or request.'),
  '401': errorAnswer('No token, or an unknown or revoked one (E_UNAUTHORIZED).'),
  '403': errorAnswer('The token may not publish this name (E_FORBIDDEN).'),
};

/** The registry API as OpenAPI 3.1. */
export const REGISTRY_OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'plughub registry API',
    version: '1',
    description:
      'Plugin documents, bundles and signed metadata to read; versions to publish and yank with a token; download counts. Errors are `{ error: { code, message } }`.',
  },
  paths: {
    ...PAGES_OPENAPI_PATHS,
    '/healthz': {
      get: {
        summary: 'Whether the storage can be read and written',
        responses: { '200': { description: 'Healthy.', content: json(ref('Health')) }, '503': errorAnswer('The storage is not readable and writable.') },
      },
    },
    '/v1/openapi.json': {
      get: { summary: 'This document', responses: { '200': { description: 'The OpenAPI document.', content: json({ type: 'object' }) } } },
    },
    '/v1/plugins': {
      get: {
        summary: 'Search and list plugins',
        description: 'Asked for an envelope (Accept: application/vnd.plughub.envelope+json), the first page of the signed list of every plugin.',
        parameters: [
          { name: 'q', in: 'query', required: false, schema: { type: 'string', maxLength: 200 } },
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 250, default: 20 } },
          { name: 'offset', in: 'query', required: false, schema: { type: 'integer', minimum: 0, default: 0 } },
        ],
        responses: {
          '200': { description: 'A page of summaries, by name.', content: { ...json(ref('PluginList')), ...ENVELOPE } },
          '304': NOT_MODIFIED,
          '400': errorAnswer('A query parameter out of range.'),
        },
      },
    },
    '/v1/plugins/{name}': {
      get: {
        summary: "A plugin's document",
        parameters: [NAME, IF_NONE_MATCH],
        responses: {
          '200': { description: 'The plugin document (or its signed envelope), with an ETag.', content: { ...json(ref('PluginDocument')), ...ENVELOPE } },
          '304': NOT_MODIFIED,
          '404': errorAnswer('No plugin of that name.'),
        },
      },
    },
    '/v1/plugins/{name}/stats': {
      get: {
        summary: "A plugin's download counts",
        parameters: [NAME],
        responses: {
          '200': { description: 'Downloads in all, by version and by day.', content: json(ref('PluginStats')) },
          '404': errorAnswer('No plugin of that name.'),
        },
      },
    },
    '/v1/plugins/{name}/{version}': {
      put: {
        summary: 'Publish a version',
        security: [{ token: [] }],
        parameters: [NAME, VERSION, { name: 'Plughub-Author-Signature', in: 'header', required: false, schema: { type: 'string' } }],
        requestBody: { required: true, content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } } },
        responses: {
          '201': { description: 'Published: the version entry; Location names the document.', content: json(ref('VersionEntry')) },
          ...WRITE_REFUSALS,
          '408': errorAnswer('The upload arrived too slowly (E_UPLOAD_TIMEOUT).'),
          '409': errorAnswer('The version is already published (E_VERSION_EXISTS).'),
          '413': errorAnswer('The package exceeds a size limit (E_TOO_LARGE).'),
          '415': errorAnswer('Not a .plg Content-Type (E_UNSUPPORTED_MEDIA_TYPE).'),
          '422': errorAnswer('The package or its plugin.json is refused.'),
          '429': errorAnswer('The token has all its uploads in flight (E_TOO_MANY_UPLOADS).'),
        },
      },
    },
    '/v1/plugins/{name}/{version}/yank': {
      post: {
        summary: 'Yank a version',
        security: [{ token: [] }],
        parameters: [NAME, VERSION],
        responses: {
          '200': { description: 'The version entry, yanked.', content: json(ref('VersionEntry')) },
          ...WRITE_REFUSALS,
          '404': errorAnswer('No such plugin or version.'),
        },
      },
      delete: {
        summary: 'Restore a yanked version',
        security: [{ token: [] }],
        parameters: [NAME, VERSION],
        responses: {
          '200': { description: 'The version entry, restored.', content: json(ref('VersionEntry')) },
          ...WRITE_REFUSALS,
          '404': errorAnswer('No such plugin or version.'),
        },
      },
    },
    '/v1/plugins/{name}/dist-tags/{tag}': {
      put: {
        summary: 'Point a dist-tag at a version',
        security: [{ token: [] }],
        parameters: [NAME, TAG],
        requestBody: { required: true, content: json({ type: 'object', required: ['version'], properties: { version: { type: 'string' } } }) },
        responses: {
          '200': { description: 'The dist-tags now.', content: json(ref('DistTags')) },
          ...WRITE_REFUSALS,
          '404': errorAnswer('No such plugin or version.'),
          '413': errorAnswer('A body over 1 KiB.'),
        },
      },
      delete: {
        summary: 'Remove a dist-tag',
        security: [{ token: [] }],
        parameters: [NAME, TAG],
        responses: {
          '200': { description: 'The dist-tags now.', content: json(ref('DistTags')) },
          ...WRITE_REFUSALS,
          '404': errorAnswer('No such plugin or dist-tag.'),
        },
      },
    },
    '/v1/plugins/{name}/{version}/files/{file}': {
      get: {
        summary: "A version's README.md, CHANGELOG.md or LICENSE",
        parameters: [NAME, VERSION, { name: 'file', in: 'path', required: true, schema: { enum: ['README.md', 'CHANGELOG.md', 'LICENSE'] } }, IF_NONE_MATCH],
        responses: {
          '200': {
            description: 'The file as the package carried it.',
            content: { 'text/markdown': { schema: { type: 'string' } }, 'text/plain': { schema: { type: 'string' } } },
          },
          '304': NOT_MODIFIED,
          '404': errorAnswer('No such plugin, version or file.'),
        },
      },
    },
    '/v1/blobs/{algorithm}/{hex}': {
      get: {
        summary: 'A blob by digest (a bundle, or a text file)',
        description: 'A GET answered 200 of a bundle counts as a download of its version.',
        parameters: [
          { name: 'algorithm', in: 'path', required: true, schema: { const: 'sha256' } },
          { name: 'hex', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
          IF_NONE_MATCH,
        ],
        responses: {
          '200': { description: 'The bytes; immutable.', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          '304': NOT_MODIFIED,
          '404': errorAnswer('No such blob, or a malformed address.'),
        },
      },
    },
    '/v1/keys': {
      get: {
        summary: 'The newest keys envelope',
        responses: { '200': { description: 'The signed keys.', content: ENVELOPE }, '304': NOT_MODIFIED, '404': errorAnswer('The registry does not sign.') },
      },
    },
    '/v1/keys/{version}': {
      get: {
        summary: 'A keys version ever published',
        parameters: [{ name: 'version', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
        responses: {
          '200': { description: 'That keys envelope; immutable.', content: ENVELOPE },
          '304': NOT_MODIFIED,
          '404': errorAnswer('No such keys version.'),
        },
      },
    },
    '/v1/list/{page}': {
      get: {
        summary: 'A further page of the signed plugin list',
        parameters: [{ name: 'page', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
        responses: {
          '200': { description: 'The page, an envelope.', content: ENVELOPE },
          '304': NOT_MODIFIED,
          '404': errorAnswer('Past the last page, or the registry does not sign.'),
        },
      },
    },
  },
  components: {
    securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'A registry token (`plughub token create`).' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
      },
      Health: { type: 'object', required: ['status', 'storage'], properties: { status: { const: 'ok' }, storage: { type: 'string' } } },
      PluginSummary: {
        type: 'object',
        required: ['name', 'modified'],
        properties: {
          name: { type: 'string' },
          description: { type: 'string' },
          latest: { type: 'string' },
          modified: { type: 'string', format: 'date-time' },
        },
      },
      PluginList: {
        type: 'object',
        required: ['total', 'plugins'],
        properties: { total: { type: 'integer' }, plugins: { type: 'array', items: ref('PluginSummary') } },
      },
      VersionEntry: {
        type: 'object',
        required: ['manifest', 'dist', 'publishedAt', 'yanked'],
        properties: {
          manifest: { type: 'object' },
          dist: {
            type: 'object',
            required: ['integrity', 'size', 'url'],
            properties: { integrity: { type: 'string' }, size: { type: 'integer' }, url: { type: 'string' } },
          },
          publishedAt: { type: 'string', format: 'date-time' },
          yanked: { type: 'boolean' },
          files: { type: 'object', additionalProperties: { type: 'object' } },
        },
      },
      PluginDocument: {
        type: 'object',
        required: ['name', 'distTags', 'versions', 'modified'],
        properties: {
          name: { type: 'string' },
          distTags: { type: 'object', additionalProperties: { type: 'string' } },
          versions: { type: 'object', additionalProperties: ref('VersionEntry') },
          modified: { type: 'string', format: 'date-time' },
        },
      },
      PluginStats: {
        type: 'object',
        required: ['name', 'downloads'],
        properties: {
          name: { type: 'string' },
          downloads: {
            type: 'object',
            required: ['total', 'versions', 'last30Days', 'days'],
            properties: {
              total: { type: 'integer' },
              versions: { type: 'object', additionalProperties: { type: 'integer' } },
              last30Days: { type: 'integer' },
              days: { type: 'object', description: 'By UTC day (YYYY-MM-DD), the last 30 days.', additionalProperties: { type: 'integer' } },
            },
          },
        },
      },
      Envelope: { type: 'object', description: 'A signed envelope (docs/design.md, Signed metadata).' },
      DistTags: {
        type: 'object',
        required: ['name', 'distTags'],
        properties: { name: { type: 'string' }, distTags: { type: 'object', additionalProperties: { type: 'string' } } },
      },
    },
  },
} as const;

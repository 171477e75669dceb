import { describe, expect, it } from 'vitest';
import { ManifestError, UsageError, isManifestError, type ManifestIssue } from '../../../src/core/errors/index.js';
import { manifestSchema, parseManifest, parsePluginSpec, validatePluginName } from '../../../src/core/plugin/manifest.js';

const valid = {
  name: 'hello',
  version: '1.2.0',
  source: { mode: 'esm', path: 'dist/index.js' },
};

/** The issues parseManifest reports for `valid` with `patch` applied. */
function issuesOf(patch: Record<string, unknown>): ManifestIssue[] {
  try {
    parseManifest({ ...valid, ...patch });
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).issues;
  }
  throw new Error(`expected ${JSON.stringify(patch)} to be refused`);
}

function pathsOf(patch: Record<string, unknown>): string[] {
  return issuesOf(patch).map((issue) => issue.path);
}

describe('parseManifest: valid manifests', () => {
  it('accepts the minimal manifest', () => {
    expect(parseManifest(valid)).toEqual(valid);
  });

  it('accepts every documented field', () => {
    const full = {
      ...valid,
      name: '@acme/hello-world.js_x~y',
      version: '2.0.0-beta.1',
      description: 'Says hello.',
      maintainers: ['ada@example.com', 'bob.smith+plugins@mail.example.org'],
      home: 'https://github.com/acme/hello',
      license: 'MIT OR Apache-2.0',
      source: { mode: 'esm', path: './dist/index.mjs' },
      engines: { host: '^1.4.0 || >=2.0.0-rc.1' },
      dependencies: { greeter: '^1.0.0', '@acme/log': '>=2 <4' },
      http_services: { driver: 'fetch', routes: [{ route: '/hello/:who', method: 'get', label: 'greet' }] },
    };
    const manifest = parseManifest(full);
    expect(manifest.name).toBe('@acme/hello-world.js_x~y');
    expect(manifest.http_services?.routes?.[0]?.method).toBe('GET');
    expect(manifest.dependencies).toEqual({ greeter: '^1.0.0', '@acme/log': '>=2 <4' });
  });

  it('keeps unknown top-level fields without interpreting them', () => {
    const manifest = parseManifest({ ...valid, keywords: ['x'], future: { nested: true } });
    expect(manifest.keywords).toEqual(['x']);
    expect(manifest.future).toEqual({ nested: true });
  });

  it('accepts http_services with a driver and no routes, and a name of exactly 214 characters', () => {
    expect(parseManifest({ ...valid, http_services: { driver: 'fetch' } }).http_services).toEqual({ driver: 'fetch' });
    expect(parseManifest({ ...valid, name: 'a'.repeat(214) }).name).toHaveLength(214);
  });

  it('exposes the zod schema', () => {
    expect(manifestSchema.safeParse(valid).success).toBe(true);
    expect(manifestSchema.safeParse({}).success).toBe(false);
  });
});

describe('parseManifest: every rule refuses a bad example', () => {
  it.each([
    ['uppercase', 'Hello', 'must be lowercase'],
    ['a space', 'hello world', 'must not contain spaces'],
    ['".."', 'hello..world', 'must not contain ".."'],
    ['a leading "."', '.hello', 'must not start with "."'],
    ['a leading "_"', '_hello', 'must not start with "_"'],
    ['215 characters', 'a'.repeat(215), 'must be at most 214 characters (it has 215)'],
    ['"%"', 'hel%lo', 'characters other than a-z 0-9 - . _ ~ ("%")'],
    ['an unscoped "/"', 'hello/world', 'only a scoped name'],
    ['an extra "/" after the scope', '@acme/hello/world', 'at most one "/"'],
    ['a scope without a name', '@acme', 'must look like @scope/name'],
    ['an empty scope', '@/hello', 'scope must not be empty'],
    ['a scope starting with "."', '@.acme/hello', 'scope must not start with "."'],
    ['a scope starting with "_"', '@_acme/hello', 'scope must not start with "_"'],
    ['a scoped name starting with "."', '@acme/.hello', 'name after the scope must not start with "."'],
    ['a scoped name starting with "_"', '@acme/_hello', 'name after the scope must not start with "_"'],
    ['an empty scoped name', '@acme/', 'name after the scope must not be empty'],
    ['an empty name', '', 'must not be empty'],
    ['non-ASCII characters', 'héllo', '("é")'],
  ])('name with %s', (_label, name, reason) => {
    expect(issuesOf({ name })).toEqual([{ path: 'name', message: expect.stringContaining(reason) }]);
    expect(validatePluginName(name)).toContain(reason);
  });

  it.each([
    ['not semver', '1.2'],
    ['a v prefix', 'v1.2.0'],
    ['build metadata', '1.2.0+build.5'],
    ['a range', '^1.2.0'],
    ['a number', 1],
  ])('version that is %s', (_label, version) => {
    expect(pathsOf({ version })).toEqual(['version']);
  });

  it('maintainers that are not e-mail addresses', () => {
    expect(issuesOf({ maintainers: ['ada@example.com', 'Bob', 'bob@'] })).toEqual([
      { path: 'maintainers[1]', message: 'must be an e-mail address' },
      { path: 'maintainers[2]', message: 'must be an e-mail address' },
    ]);
    expect(pathsOf({ maintainers: 'ada@example.com' })).toEqual(['maintainers']);
  });

  it.each(['ftp://example.com/hello', 'javascript:alert(1)', 'file:///etc/passwd', 'example.com', 'https:'])('home %s', (home) => {
    expect(issuesOf({ home })).toEqual([{ path: 'home', message: 'must be an http(s) URL' }]);
  });

  it.each([
    ['/abs/index.js', 'not an absolute one'],
    ['../index.js', '".." segments'],
    ['dist/../../index.js', '".." segments'],
    ['dist\\index.js', 'not "\\"'],
    ['C:/index.js', 'not a URL or a drive path'],
    ['c:index.js', 'not a URL or a drive path'],
    ['https://cdn.example/index.js', 'not a URL or a drive path'],
    ['', 'must not be empty'],
    ['dist//index.js', 'empty segments'],
  ])('source.path %j', (path, reason) => {
    expect(issuesOf({ source: { mode: 'esm', path } })).toEqual([{ path: 'source.path', message: expect.stringContaining(reason) }]);
  });

  it('source.mode other than esm, and a missing source', () => {
    expect(issuesOf({ source: { mode: 'local_so', path: 'x.so' } })).toEqual([{ path: 'source.mode', message: 'must be "esm"' }]);
    expect(issuesOf({ source: undefined })).toEqual([{ path: 'source', message: 'is required' }]);
  });

  it('engines.host that is not a semver range', () => {
    expect(issuesOf({ engines: { host: 'the newest' } })).toEqual([{ path: 'engines.host', message: '"the newest" is not a valid semver range' }]);
    expect(pathsOf({ engines: { host: '' } })).toEqual(['engines.host']);
  });

  it('dependencies with a bad range or a bad name', () => {
    expect(issuesOf({ dependencies: { greeter: 'latest', Bad: '^1', ok: '1.x' } })).toEqual([
      { path: 'dependencies.greeter', message: '"latest" is not a valid semver range' },
      { path: 'dependencies.Bad', message: 'plugin name must be lowercase' },
    ]);
    expect(pathsOf({ dependencies: { greeter: 1 } })).toEqual(['dependencies.greeter']);
  });

  it('http_services routes without a driver (the default, "fetch"), and bad routes', () => {
    const routes = [{ route: '/a', method: 'get', label: 'a' }];
    expect(parseManifest({ ...valid, http_services: { routes } }).http_services).toEqual({ routes: [{ route: '/a', method: 'GET', label: 'a' }] });
    expect(pathsOf({ http_services: { driver: 'fetch', routes: [{ route: 'a', method: 'FETCH', label: '' }] } })).toEqual([
      'http_services.routes[0].route',
      'http_services.routes[0].method',
      'http_services.routes[0].label',
    ]);
  });

  it('input that is not an object', () => {
    for (const input of [null, 'hello', [], 42]) {
      expect(() => parseManifest(input)).toThrow('plugin.json is invalid: (root): must be a JSON object');
    }
  });
});

describe('parseManifest: the error lists every problem', () => {
  const bad = {
    name: 'Hello',
    version: '1.2',
    maintainers: ['ada@example.com', 'bob'],
    home: 'javascript:alert(1)',
    source: { mode: 'cjs', path: '../index.js' },
    engines: { host: 'soon' },
    dependencies: { greeter: 'whatever' },
    http_services: { routes: [{ route: '/x', method: 'BREW', label: 'x' }] },
  };

  it('reports all issues with their paths', () => {
    const error = (() => {
      try {
        parseManifest(bad);
      } catch (e) {
        return e as ManifestError;
      }
      throw new Error('expected a throw');
    })();
    expect(isManifestError(error)).toBe(true);
    expect(error.code).toBe('E_MANIFEST');
    expect(error.issues).toMatchInlineSnapshot(`
      [
        {
          "message": "must be lowercase",
          "path": "name",
        },
        {
          "message": ""1.2" is not a valid semver version (such as 1.2.3)",
          "path": "version",
        },
        {
          "message": "must be an e-mail address",
          "path": "maintainers[1]",
        },
        {
          "message": "must be an http(s) URL",
          "path": "home",
        },
        {
          "message": "must be "esm"",
          "path": "source.mode",
        },
        {
          "message": "must not contain ".." segments",
          "path": "source.path",
        },
        {
          "message": ""soon" is not a valid semver range",
          "path": "engines.host",
        },
        {
          "message": ""whatever" is not a valid semver range",
          "path": "dependencies.greeter",
        },
        {
          "message": "must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
          "path": "http_services.routes[0].method",
        },
      ]
    `);
    expect(error.message).toMatchInlineSnapshot(
      `"plugin.json is invalid: name: must be lowercase; version: "1.2" is not a valid semver version (such as 1.2.3); maintainers[1]: must be an e-mail address; home: must be an http(s) URL; source.mode: must be "esm"; source.path: must not contain ".." segments; engines.host: "soon" is not a valid semver range; dependencies.greeter: "whatever" is not a valid semver range; http_services.routes[0].method: must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"`,
    );
  });

  it('reports missing required fields', () => {
    expect(() => parseManifest({})).toThrow('plugin.json is invalid: name: is required; version: is required; source: is required');
  });

  it('prefixes the message with the plugin, version and URL when known', () => {
    expect(() => parseManifest({ ...valid, home: 'ftp://x' })).toThrow(/^hello@1\.2\.0: plugin\.json is invalid: home: must be an http\(s\) URL$/);
    expect(() => parseManifest({ ...bad, name: 'hello' })).toThrow(/^hello: plugin\.json is invalid: version:/);
    const url = 'file:///plugins/hello/plugin.json';
    try {
      parseManifest({ ...valid, source: {} }, { plugin: 'greeter', url });
    } catch (e) {
      const error = e as ManifestError;
      expect(error.message).toBe(`greeter@1.2.0: plugin.json is invalid (${url}): source.mode: must be "esm"; source.path: is required`);
      expect(error.plugin).toBe('greeter');
      expect(error.version).toBe('1.2.0');
      expect(error.url).toBe(url);
    }
    expect.assertions(6);
  });
});

describe('validatePluginName', () => {
  it.each(['hello', 'a', 'hello-world', 'hello.js', 'x_y~z', '0x', '@acme/hello', '@a-b.c/d_e'])('accepts %s', (name) => {
    expect(validatePluginName(name)).toBeUndefined();
  });
});

describe('parsePluginSpec', () => {
  it.each([
    ['hello', { name: 'hello', range: 'latest' }],
    ['hello@^1.2', { name: 'hello', range: '^1.2' }],
    ['hello@1.2.3', { name: 'hello', range: '1.2.3' }],
    ['@acme/hello', { name: '@acme/hello', range: 'latest' }],
    ['@acme/hello@latest', { name: '@acme/hello', range: 'latest' }],
    ['@acme/hello@beta', { name: '@acme/hello', range: 'beta' }],
    ['hello@>=1 <2', { name: 'hello', range: '>=1 <2' }],
    ['  hello@~1.0  ', { name: 'hello', range: '~1.0' }],
  ])('splits %j', (spec, expected) => {
    expect(parsePluginSpec(spec)).toEqual(expected);
  });

  it.each([
    ['Hello', 'invalid plugin spec "Hello": plugin name must be lowercase'],
    ['', 'invalid plugin spec "": plugin name must not be empty'],
    ['@acme', 'invalid plugin spec "@acme": plugin name a scoped name must look like @scope/name'],
    ['@latest', 'invalid plugin spec "@latest"'],
    ['hello@', 'invalid plugin spec "hello@": nothing after "@"'],
    ['hello@^x!', 'invalid plugin spec "hello@^x!": "^x!" is neither a semver range nor a dist-tag'],
  ])('refuses %j with a UsageError', (spec, message) => {
    expect(() => parsePluginSpec(spec)).toThrow(UsageError);
    expect(() => parsePluginSpec(spec)).toThrow(message);
  });
});

describe('names must start and end with a letter or digit', () => {
  it.each([
    ['hello.', 'name must end with a letter or digit'],
    ['hello-', 'name must end with a letter or digit'],
    ['hello~', 'name must end with a letter or digit'],
    ['hello_', 'name must end with a letter or digit'],
    ['~', 'name must start with a letter or digit'],
    ['-', 'name must start with a letter or digit'],
    ['-hello', 'name must start with a letter or digit'],
    ['~hello', 'name must start with a letter or digit'],
    ['@acme/hello.', 'name after the scope must end with a letter or digit'],
    ['@acme/-hello', 'name after the scope must start with a letter or digit'],
    ['@acme-/hello', 'scope must end with a letter or digit'],
    ['@~/hello', 'scope must start with a letter or digit'],
  ])('refuses %j', (name, reason) => {
    expect(validatePluginName(name)).toBe(reason);
    expect(issuesOf({ name })).toEqual([{ path: 'name', message: reason }]);
    expect(() => parsePluginSpec(name)).toThrow(UsageError);
  });

  it('refuses such a name as a dependency too', () => {
    expect(issuesOf({ dependencies: { 'greeter-': '^1' } })).toEqual([
      { path: 'dependencies.greeter-', message: 'plugin name name must end with a letter or digit' },
    ]);
  });
});

describe('prototype keys', () => {
  it.each([
    ['at the top level', '{"__proto__": {"polluted": true}}', '__proto__'],
    ['"constructor" at the top level', '{"constructor": 1}', 'constructor'],
    ['in dependencies', '{"dependencies": {"__proto__": "^1"}}', 'dependencies.__proto__'],
    ['"prototype" in dependencies', '{"dependencies": {"prototype": "^1"}}', 'dependencies.prototype'],
    ['nested in an unknown field', '{"extra": {"a": [{"constructor": {}}]}}', 'extra.a[0].constructor'],
    ['in a known nested object', '{"source": {"mode": "esm", "path": "dist/index.js", "__proto__": null}}', 'source.__proto__'],
  ])('refuses a raw key %s', (_label, patchText, path) => {
    const input = { ...valid, ...(JSON.parse(patchText) as Record<string, unknown>) };
    const key = path
      .split('.')
      .pop()!
      .replace(/^.*\]\./, '');
    expect(issuesOf(input)).toEqual([{ path, message: `the key "${key}" is not allowed in plugin.json` }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('nesting depth and sizes', () => {
  /** `{ "a": { "a": … } }` nested `depth` levels below `extra`. */
  function nested(depth: number): unknown {
    let value: unknown = 'end';
    for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
    return value;
  }

  it('accepts nesting up to 16 levels and refuses deeper with an iterative check (no stack overflow at 5,000)', () => {
    // The root object is level 1, `extra`'s value level 2.
    expect(parseManifest({ ...valid, extra: nested(15) }).extra).toEqual(nested(15));
    const [issue] = issuesOf({ extra: nested(16) });
    expect(issue?.message).toBe('is nested deeper than 16 levels');
    expect(issue?.path).toMatch(/^extra(\[0\]|\.a){15}$/);
    const deep = JSON.parse(`{"name":"hello","version":"1.0.0","source":{"mode":"esm","path":"a.js"},"x":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(() => parseManifest(deep)).toThrow(/x\[0\]\[0\].*is nested deeper than 16 levels/);
  });

  it('refuses a cyclic object as too deep instead of looping', () => {
    const cyclic: Record<string, unknown> = { ...valid };
    cyclic.self = cyclic;
    expect(issuesOf(cyclic)[0]?.message).toBe('is nested deeper than 16 levels');
  });

  it.each([
    ['description', { description: 'x'.repeat(301) }, 'description', 'must be at most 300 characters'],
    ['maintainers count', { maintainers: Array.from({ length: 33 }, (_, i) => `m${i}@example.com`) }, 'maintainers', 'must hold at most 32 entries'],
    ['a maintainer', { maintainers: [`${'a'.repeat(250)}@example.com`] }, 'maintainers[0]', 'must be at most 254 characters'],
    ['home', { home: `https://example.com/${'a'.repeat(2048)}` }, 'home', 'must be at most 2048 characters'],
    ['license', { license: 'MIT '.repeat(65) }, 'license', 'must be at most 256 characters'],
    ['source.path', { source: { mode: 'esm', path: `${'a/'.repeat(512)}x.js` } }, 'source.path', 'must be at most 1024 characters'],
    ['engines.host', { engines: { host: `>=1.0.0 ${'<2 '.repeat(100)}` } }, 'engines.host', 'must be at most 256 characters'],
    [
      'dependencies count',
      { dependencies: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`dep${i}`, '^1'])) },
      'dependencies',
      'must hold at most 64 entries',
    ],
    ['a dependency range', { dependencies: { greeter: `>=1.0.0 ${'<2 '.repeat(100)}` } }, 'dependencies.greeter', 'must be at most 256 characters'],
    [
      'routes count',
      { http_services: { driver: 'fetch', routes: Array.from({ length: 65 }, (_, i) => ({ route: `/r${i}`, method: 'GET', label: 'r' })) } },
      'http_services.routes',
      'must hold at most 64 entries',
    ],
    [
      'a route',
      { http_services: { driver: 'fetch', routes: [{ route: `/${'a'.repeat(1024)}`, method: 'GET', label: 'r' }] } },
      'http_services.routes[0].route',
      'must be at most 1024 characters',
    ],
    [
      'a route label',
      { http_services: { driver: 'fetch', routes: [{ route: '/a', method: 'GET', label: 'l'.repeat(129) }] } },
      'http_services.routes[0].label',
      'must be at most 128 characters',
    ],
    ['the driver', { http_services: { driver: 'd'.repeat(129) } }, 'http_services.driver', 'must be at most 128 characters'],
    ['the keywords', { keywords: Array.from({ length: 21 }, (_, i) => `k${i}`) }, 'keywords', 'must hold at most 20 entries'],
    ['a keyword', { keywords: ['k'.repeat(51)] }, 'keywords[0]', 'must be at most 50 characters'],
    ['a keyword with capitals', { keywords: ['Markdown'] }, 'keywords[0]', 'must be lower-case letters, digits and dashes'],
  ])('refuses a too long or too large %s', (_label, patch, path, message) => {
    expect(issuesOf(patch)).toContainEqual({ path, message });
  });

  it('accepts every field at its limit', () => {
    const manifest = parseManifest({
      ...valid,
      description: 'é'.repeat(300),
      maintainers: Array.from({ length: 32 }, (_, i) => `m${i}@example.com`),
      dependencies: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`dep${i}`, '^1'])),
      keywords: Array.from({ length: 20 }, (_, i) => `k${i}-${'w'.repeat(46)}`.slice(0, 50)),
      notes: ['k'.repeat(8000)],
    });
    expect(manifest.description).toHaveLength(300);
    expect(manifest.keywords).toHaveLength(20);
  });

  it('bounds unknown top-level fields together to 8 KiB, and the whole manifest to 64 KiB', () => {
    expect(issuesOf({ a: 'x'.repeat(5000), b: 'y'.repeat(5000) })).toEqual([
      { path: '(root)', message: expect.stringMatching(/^unknown fields \(a, b\) take \d+ bytes: at most 8192 are allowed$/) },
    ]);
    const huge = { ...valid, source: { mode: 'esm', path: 'dist/index.js', junk: 'z'.repeat(70_000) } };
    expect(issuesOf(huge)).toEqual([{ path: '(root)', message: expect.stringMatching(/^plugin\.json takes at least \d+ bytes: at most 65536 are allowed$/) }]);
  });

  it('refuses values JSON cannot hold', () => {
    expect(issuesOf({ extra: { n: 1n } })).toEqual([{ path: 'extra.n', message: 'must be a JSON value' }]);
  });
});

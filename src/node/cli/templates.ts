/**
 * The files `plughub init` writes: plugin.json, a package.json that anchors
 * npm installs in the project, the plugin source (TypeScript or plain
 * JavaScript, both using definePlugin), a README and a .gitignore; for
 * TypeScript also a tsconfig.json and types/plughub.d.ts, the declarations
 * of the plugin API generated from plughub's own types (plugin-types.ts),
 * which the tsconfig maps `plughub` to: the project type-checks as written,
 * with no install and no network. The build inlines `definePlugin`, so the
 * bundle needs nothing of plughub either.
 */
import { PLUGIN_TYPES } from './plugin-types.js';
import { OPTIONAL_PACKAGES } from './optional-packages.js';

/** What the templates need to know. */
export interface TemplateInput {
  name: string;
  javascript: boolean;
}

/** One file to write: its path in the project and its text. */
export interface TemplateFile {
  path: string;
  text: string;
}

const SOURCE = `import { definePlugin } from 'plughub';

/**
 * The plugin: \`execute\` runs on every call with a context that carries the
 * caller's values (\`ctx.get\`), a cancellation signal and the plugin's manifest.
 */
export default definePlugin({
  async execute(ctx) {
    const who = ctx.get__TYPE__('who') ?? 'world';
    ctx.throwIfAborted();
    return { greeting: \`hello, \${who}!\`, plugin: \`\${ctx.plugin?.name}@\${ctx.plugin?.version}\` };
  },
});
`;

/** Where the plugin API declarations go in a TypeScript project. */
export const PLUGIN_TYPES_PATH = 'types/plughub.d.ts';

const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "lib": ["ES2022", "DOM"],
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "paths": {
      "plughub": ["./${PLUGIN_TYPES_PATH}"],
      "plughub/core": ["./${PLUGIN_TYPES_PATH}"]
    }
  },
  "include": ["src", "types"]
}
`;

const TYPES_HEADER = `/**
 * The plugin API of plughub (definePlugin and the types of a plugin's
 * context), generated from plughub's own types by the \`plughub init\` that
 * created this project. tsconfig.json maps 'plughub' here, so the project
 * type-checks with no install; \`plughub build\` inlines definePlugin, so
 * nothing else of plughub reaches the bundle. A newer plughub's
 * \`plughub init\` writes a newer copy of this file.
 */
`;

/** What `plughub build` needs besides plughub itself: the optional peer dependencies authors install, with their ranges. */
const BUILD_TOOLS = Object.entries(OPTIONAL_PACKAGES)
  .filter(([, optional]) => optional.dev)
  .map(([name, optional]) => `${name}@${optional.range}`)
  .join(' ');

function readme({ name, javascript }: TemplateInput): string {
  const source = javascript ? 'src/index.js' : 'src/index.ts';
  const types = javascript
    ? ''
    : `
## Types

\`${PLUGIN_TYPES_PATH}\` holds the plugin API of the plughub that created this
project (\`definePlugin\` and the types of \`ctx\`), and \`tsconfig.json\` maps
\`plughub\` to it: the project type-checks as it is, with no install of
plughub and no network, by any TypeScript 5 (a \`tsc\` on your PATH, or one
installed here; without it \`npx tsc\` would fetch an unrelated package):

\`\`\`sh
npm install --save-dev typescript
npx tsc --noEmit
\`\`\`
`;
  return `# ${name}

A plughub plugin. Its manifest is \`plugin.json\`; its code is \`${source}\`.

\`\`\`sh
plughub build                       # bundles ${source} (and what it imports) into dist/index.js
plughub run . --set who=Ada         # runs it here: {"greeting":"hello, Ada!",...}
plughub pack                        # writes ${name.replace(/^@/, '').replace('/', '-')}-0.1.0.plg
plughub publish --registry URL --token TOKEN   # or set PLUGHUB_REGISTRY and PLUGHUB_TOKEN
\`\`\`

npm packages you \`npm install\` here are inlined into the bundle, so the
published plugin is one self-contained file that runs in Node and in the
browser. \`definePlugin\` is inlined by the build too: the bundle needs
nothing of plughub.
${types}
## Getting plughub

plughub is not published on the npm registry: do not install a package of
that name from there. From a clone of its repository,
\`npm ci && npm run build && npm link\` puts the \`plughub\` command on your
PATH, with the bundler \`plughub build\` uses. Where plughub was installed
from a package instead (its packed tarball), \`plughub build\` needs that
bundler beside it, in the same project or globally:

\`\`\`sh
npm install --save-dev ${BUILD_TOOLS}
\`\`\`

A host loads the plugin with:

\`\`\`js
import { createPluginHost } from 'plughub/node';

const host = createPluginHost({ registry: 'http://127.0.0.1:4873' });
await host.load('${name}@^0.1.0');
console.log(await host.execute('${name}', { values: { who: 'Node' } }));
await host.close();
\`\`\`
`;
}

/** The files of a new plugin project. */
export function projectFiles(input: TemplateInput): TemplateFile[] {
  const manifest = {
    name: input.name,
    version: '0.1.0',
    description: `The ${input.name} plugin.`,
    source: { mode: 'esm', path: 'dist/index.js' },
  };
  const pkg = { private: true, type: 'module', description: 'Build with plughub build; the name and version are in plugin.json.' };
  const files: TemplateFile[] = [
    { path: 'plugin.json', text: `${JSON.stringify(manifest, null, 2)}\n` },
    { path: 'package.json', text: `${JSON.stringify(pkg, null, 2)}\n` },
    { path: 'README.md', text: readme(input) },
    { path: '.gitignore', text: 'node_modules/\ndist/\n*.plg\n' },
  ];
  if (input.javascript) {
    files.push({ path: 'src/index.js', text: SOURCE.replace('__TYPE__', '') });
  } else {
    files.push({ path: 'src/index.ts', text: SOURCE.replace('__TYPE__', '<string>') });
    files.push({ path: 'tsconfig.json', text: TSCONFIG });
    files.push({ path: PLUGIN_TYPES_PATH, text: `${TYPES_HEADER}${PLUGIN_TYPES}` });
  }
  return files;
}

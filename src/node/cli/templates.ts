/**
 * The files `plughub init` writes: plugin.json, a package.json that anchors
 * npm installs in the project, the plugin source (TypeScript or plain
 * JavaScript, both using definePlugin), a tsconfig.json for TypeScript, a
 * README and a .gitignore. The build inlines `definePlugin`, so the project
 * needs plughub only for editor types.
 */

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

const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true
  },
  "include": ["src"]
}
`;

function readme({ name, javascript }: TemplateInput): string {
  const source = javascript ? 'src/index.js' : 'src/index.ts';
  return `# ${name}

A [plughub](https://www.npmjs.com/package/plughub) plugin. Its manifest is
\`plugin.json\`; its code is \`${source}\`.

\`\`\`sh
plughub build                       # bundles ${source} (and what it imports) into dist/index.js
plughub run . --set who=Ada         # runs it here: {"greeting":"hello, Ada!",...}
plughub pack                        # writes ${name.replace(/^@/, '').replace('/', '-')}-0.1.0.plg
plughub publish --registry URL --token TOKEN   # or set PLUGHUB_REGISTRY and PLUGHUB_TOKEN
\`\`\`

npm packages you \`npm install\` here are inlined into the bundle, so the
published plugin is one self-contained file that runs in Node and in the
browser. \`definePlugin\` is inlined by the build too; for editor types,
\`npm install --save-dev plughub\`.

A host loads it with:

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
  }
  return files;
}

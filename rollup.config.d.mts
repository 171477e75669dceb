/** The public entries of the build: dist/<name>.js ← source file. */
export declare const entries: Record<string, string>;
declare const config: unknown;
export default config;

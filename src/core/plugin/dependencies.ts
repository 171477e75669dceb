/**
 * What a call of a plugin is given besides its context's values: the
 * options of `execute` (ExecuteInit), and `ctx.plugins`, the door to the
 * plugins it declares in its `dependencies` (PluginDependencies), with the
 * port a host implements behind it (DependencyProvider, host/dependencies.ts).
 */
import { UsageError } from '../errors/index.js';

/** What a caller passes to execute: values, cancellation, deadline, label. */
export interface ExecuteInit {
  values?: Record<string, unknown> | Map<string, unknown>;
  signal?: AbortSignal;
  timeoutMs?: number;
  label?: string;
  /** The HTTP request the call answers (`ctx.request`); `host.fetch` sets it for a route call (a call that crosses to a worker carries it only then). */
  request?: Request;
}

/**
 * `ctx.plugins`: what a plugin may use of the plugins it declares in its
 * `dependencies`, at the versions the host loaded for them. Any other name
 * is refused with a UsageError that names both plugins.
 */
export interface PluginDependencies {
  /**
   * The API the dependency `name` exports (its `api`), for this call: in the
   * host's realm the object itself behind the rules of `ctx.host`; across a
   * worker boundary stubs whose methods return promises of structured clones.
   * It stops working when the call that got it ends.
   * @example const md = ctx.plugins.get<{ render(text: string): string }>('md-render'); await md.render('# hi')
   */
  get<T = unknown>(name: string): T;
  /**
   * Runs the dependency's `execute` with `init.values`, a signal that aborts
   * with this context's or `init.signal`, and the earlier of this context's
   * deadline and `init.timeoutMs`.
   * @example await ctx.plugins.execute('md-render', { values: { text: '# hi' } })
   */
  execute<T = unknown>(name: string, init?: ExecuteInit): Promise<T>;
}

/** The calling context, as a DependencyProvider sees it: what a dependency call derives from. */
export interface DependencyCaller {
  readonly signal: AbortSignal;
  readonly deadline?: number | undefined;
}

/** What backs `ctx.plugins`: each method also receives the context that called it. */
export interface DependencyProvider {
  get(name: string, caller: DependencyCaller): unknown;
  execute(name: string, init: ExecuteInit, caller: DependencyCaller): Promise<unknown>;
}

/** The provider of a context without dependencies (`who` names its plugin): every name is undeclared. */
export function refusingProvider(who: string, plugin: { name: string; version: string } | undefined): DependencyProvider {
  const refuse = (name: string): never => {
    const details = plugin ? { plugin: plugin.name, version: plugin.version } : {};
    throw new UsageError(`${who}: ctx.plugins: ${String(name)} is not among its dependencies (declare it in plugin.json "dependencies")`, details);
  };
  return { get: refuse, execute: async (name) => refuse(name) };
}

/** The one mapping from a load's error to the bounded `reason` label of plughub_load_failures_total. */
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  CompatibilityError,
  DependencyCycleError,
  DocumentError,
  ExpiredError,
  IntegrityError,
  ManifestError,
  PluginExecutionError,
  PluginLoadError,
  RegistryError,
  ResolveError,
  RollbackError,
  RouteConflictError,
  SignatureError,
  SizeLimitError,
  UnloadedError,
} from '../../../src/core/errors/index.js';
import { LOAD_FAILURE_REASONS, loadFailureReason } from '../../../src/core/host/failure-reason.js';

describe('loadFailureReason', () => {
  it('maps each error class to its reason', () => {
    const registry = (status: number | undefined, unreachable = false) =>
      new RegistryError('x', { method: 'GET', ...(status !== undefined ? { status } : {}), unreachable });
    const cases: Array<[unknown, string]> = [
      [new IntegrityError('x', { expected: 'sha256-a', actual: 'sha256-b' }), 'integrity'],
      [new SignatureError('x'), 'signature'],
      [new RollbackError('x', 2, 1), 'rollback'],
      [new ExpiredError('x', '2020-01-01T00:00:00Z'), 'expired'],
      [new CompatibilityError('x', '^2', '1.0.0'), 'compatibility'],
      [new DependencyCycleError('x', ['a', 'b', 'a']), 'dependency'],
      [registry(404), 'not-found'],
      [registry(undefined, true), 'network'],
      [registry(503), 'network'],
      [registry(403), 'registry'],
      [new ResolveError('x', [], { plugin: 'hello' }), 'resolve'],
      [new DocumentError('x'), 'document'],
      [new ManifestError('x', []), 'manifest'],
      [new SizeLimitError('x', 10), 'too-large'],
      [new PluginLoadError('x'), 'import'],
      [new PluginExecutionError('x'), 'activate'],
      [new RouteConflictError('x', { plugin: 'a', method: 'GET', route: '/x' } as never, { plugin: 'b', method: 'GET', route: '/x' } as never), 'routes'],
      [new CancelledError(), 'cancelled'],
      [new UnloadedError('x'), 'cancelled'],
      [new TypeError('not ours'), 'other'],
      ['a string', 'other'],
    ];
    for (const [error, reason] of cases) expect([error, loadFailureReason(error, 'hello')]).toEqual([error, reason]);
  });

  it('counts a version that cannot be resolved for another plugin than the one loaded as a dependency failure', () => {
    const missing = new ResolveError('app@1.0.0 requires md@^2: md is not published', [], { plugin: 'md' });
    expect(loadFailureReason(missing, 'app')).toBe('dependency');
    expect(loadFailureReason(missing, 'md')).toBe('resolve');
    expect(loadFailureReason(missing)).toBe('resolve');
  });

  it('answers only reasons of the fixed list, whatever is thrown', () => {
    const odd = Object.assign(new Error('odd'), { name: 'PlughubError', code: 'E_SOMETHING_NEW' });
    for (const error of [odd, null, undefined, 42, { name: 'RegistryError' }]) expect(LOAD_FAILURE_REASONS).toContain(loadFailureReason(error));
  });
});

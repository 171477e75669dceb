/** The errors of loading and running plugins in a host. */
import { PlughubError, hasName, type ErrorDetails } from './base.js';

/** A plugin could not be imported or does not have the shape of a plugin. */
export class PluginLoadError extends PlughubError {
  override name = 'PluginLoadError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'E_LOAD');
  }
}

/** A plugin's `execute`, `activate` or `deactivate` threw. */
export class PluginExecutionError extends PlughubError {
  override name = 'PluginExecutionError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'E_EXECUTE');
  }
}

/** The host was asked for a plugin that is not loaded. */
export class NotLoadedError extends PlughubError {
  override name = 'NotLoadedError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'E_NOT_LOADED');
  }
}

/** Plugin dependencies form a cycle; `cycle` lists it, first name repeated last. */
export class DependencyCycleError extends PlughubError {
  override name = 'DependencyCycleError';
  readonly cycle: string[];
  constructor(message: string, cycle: string[], details: ErrorDetails = {}) {
    super(message, details, 'E_DEPENDENCY_CYCLE');
    this.cycle = cycle;
  }
}

/** Type guard for PluginLoadError. */
export const isPluginLoadError = (e: unknown): e is PluginLoadError => hasName(e, 'PluginLoadError');

/** Type guard for PluginExecutionError. */
export const isPluginExecutionError = (e: unknown): e is PluginExecutionError => hasName(e, 'PluginExecutionError');

/** Type guard for NotLoadedError. */
export const isNotLoadedError = (e: unknown): e is NotLoadedError => hasName(e, 'NotLoadedError');

/** Type guard for DependencyCycleError. */
export const isDependencyCycleError = (e: unknown): e is DependencyCycleError => hasName(e, 'DependencyCycleError');

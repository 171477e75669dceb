/** The errors of plugin HTTP routes (`http_services`): a route a host cannot serve, and routes of two plugins that overlap. */
import { PlughubError, hasName, type ErrorDetails } from './base.js';

/** A plugin's `http_services` cannot be served: an unknown `driver`, or a route pattern that is malformed or out of bounds. */
export class RouteError extends PlughubError {
  override name = 'RouteError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'E_ROUTE');
  }
}

/** One side of an overlap: the plugin (`name@version`), the method and the pattern. */
export interface RouteClaim {
  plugin: string;
  method: string;
  route: string;
}

/**
 * Two routes with the same method can match the same path: a load, reload
 * or upgrade is refused. `route` is the one refused, `existing` the one that
 * serves (or that a load in progress has claimed); both name their plugin.
 */
export class RouteConflictError extends PlughubError {
  override name = 'RouteConflictError';
  readonly route: RouteClaim;
  readonly existing: RouteClaim;
  constructor(message: string, route: RouteClaim, existing: RouteClaim, details: ErrorDetails = {}) {
    super(message, details, 'E_ROUTE_CONFLICT');
    this.route = route;
    this.existing = existing;
  }
}

/** Type guard for RouteError. */
export const isRouteError = (e: unknown): e is RouteError => hasName(e, 'RouteError');

/** Type guard for RouteConflictError. */
export const isRouteConflictError = (e: unknown): e is RouteConflictError => hasName(e, 'RouteConflictError');

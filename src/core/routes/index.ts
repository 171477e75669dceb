/**
 * Plugin HTTP routes: the patterns of `http_services` parsed once at load
 * (pattern.ts, compile.ts), request paths split and decoded once (path.ts),
 * the table of the routes that serve with its overlap checks (router.ts),
 * how handler results and failures become responses (respond.ts; a
 * result already in memory as a PreparedResponse, prepared-response.ts), and
 * requests and responses as data crossing to a worker (wire.ts). The
 * host's `fetch` (host/fetch.ts) puts them together.
 */
export { MAX_PATTERN_LENGTH, MAX_PATTERN_SEGMENTS, parseRoutePattern, patternsOverlap, type PatternSegment, type RoutePattern } from './pattern.js';
export { MAX_REQUEST_PATH_LENGTH, splitRequestPath, type PathProblem, type RequestPath } from './path.js';
export { compileRoutes, ROUTE_DRIVERS, routeConflict, routesOwner, type CompiledRoute, type PluginRoutes } from './compile.js';
export { RouteTable, type RouteLookup, type RouteMatch } from './router.js';
export { errorResponse, toResponse, withoutBody } from './respond.js';
export { PreparedResponse, RESPONSE_CAN_BE_PREPARED, type PreparedParts } from './prepared-response.js';
export { delegateToMaterialized } from './delegate.js';
export {
  DEFAULT_MAX_ROUTE_BODY_BYTES,
  readLimitedBody,
  requestFromWire,
  requestToWire,
  responseFromWire,
  responseToWire,
  type WireRequest,
  type WireResponse,
} from './wire.js';

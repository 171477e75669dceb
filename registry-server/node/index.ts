/**
 * The node:http bridge of the registry: serveNode (serve.ts) turns the
 * web-standard fetch handler into a node:http server, request.ts turns an
 * incoming message into a Request with bounded headers and body, and
 * limits.ts holds the connection caps (per server and per client address).
 */
export { serveNode, type ConnectionLimits, type FetchHandler, type NodeServer, type ServeNodeOptions, type ServedRequest } from './serve.js';
export { isListenError, ListenError } from './listen-error.js';

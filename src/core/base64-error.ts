/**
 * The error of text that should be base64 and is not (base64.ts). In a file
 * of its own so that code which only encodes (the plugin worker runtime)
 * does not carry it.
 */
import { PlughubError, registerErrorName, type ErrorDetails } from './errors/index.js';

/** Text that should be base64 is not; code `E_BASE64`. */
export class Base64Error extends PlughubError {
  override name = 'Base64Error';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'E_BASE64');
  }
}
registerErrorName('Base64Error');

/** Type guard for Base64Error (also across realms). */
export const isBase64Error = (e: unknown): e is Base64Error => typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'Base64Error';

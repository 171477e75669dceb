/**
 * The one error hierarchy of plughub.
 */
export * from './base.js';

/** The errors of reading a plugin's manifest (plugin.json) and of matching it to a host. */
import { PlughubError, hasName, type ErrorDetails } from './base.js';

/** One problem found in a manifest, with the JSON path it concerns. */
export interface ManifestIssue {
  path: string;
  message: string;
}

/** plugin.json is not valid; `issues` lists every problem, not just the first. */
export class ManifestError extends PlughubError {
  override name = 'ManifestError';
  readonly issues: ManifestIssue[];
  constructor(message: string, issues: ManifestIssue[], details: ErrorDetails = {}) {
    super(message, details, 'E_MANIFEST');
    this.issues = issues;
  }
}

/** A plugin needs a host API version that this host does not offer. */
export class CompatibilityError extends PlughubError {
  override name = 'CompatibilityError';
  readonly required: string;
  readonly hostVersion: string;
  constructor(message: string, required: string, hostVersion: string, details: ErrorDetails = {}) {
    super(message, details, 'E_COMPATIBILITY');
    this.required = required;
    this.hostVersion = hostVersion;
  }
}

/** Type guard for ManifestError. */
export const isManifestError = (e: unknown): e is ManifestError => hasName(e, 'ManifestError');

/** Type guard for CompatibilityError. */
export const isCompatibilityError = (e: unknown): e is CompatibilityError => hasName(e, 'CompatibilityError');

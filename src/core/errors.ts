/** Typed errors: every user-facing failure carries a stable code and, where known, a location. */

export type ErrorCode =
  | 'SPEC_YAML' // the spec is not valid YAML
  | 'SPEC_INVALID' // the spec does not match the schema
  | 'SPEC_REFERENCE' // the spec names something that does not exist (class, explanation, dataset, layer)
  | 'FILE_MISSING'
  | 'FILE_UNREADABLE'
  | 'IMAGE_DECODE'
  | 'MANIFEST_INVALID'
  | 'MODEL_FORMAT'
  | 'MODEL_UNSUPPORTED'
  | 'MODEL_INPUT_MISMATCH'
  | 'OUTPUT_UNWRITABLE'
  | 'REPORT_INVALID' // a report given to `merge` is unreadable or does not fit the others
  | 'USAGE' // bad command-line arguments
  | 'INTERRUPTED'
  | 'INTERNAL';

export interface SourceLocation {
  file: string;
  line?: number; // 1-based
  col?: number; // 1-based
}

export interface XauditErrorOptions {
  location?: SourceLocation;
  /** JSON-pointer-like path inside the spec, e.g. `checks[2].expect.mean`. */
  path?: string;
  /** Extra guidance, e.g. a did-you-mean. */
  hint?: string;
  cause?: unknown;
}

export class XauditError extends Error {
  readonly code: ErrorCode;
  readonly location?: SourceLocation;
  readonly path?: string;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, options: XauditErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'XauditError';
    this.code = code;
    this.location = options.location;
    this.path = options.path;
    this.hint = options.hint;
  }

  /** One paragraph for a person: `file:line:col: message (at path). hint` */
  format(): string {
    const loc = this.location ? formatLocation(this.location) + ': ' : '';
    const at = this.path ? ` (at ${this.path})` : '';
    const hint = this.hint ? ` ${this.hint}` : '';
    return `${loc}${this.message}${at}.${hint}`.replace(/\.\./g, '.');
  }
}

export function formatLocation(loc: SourceLocation): string {
  if (loc.line === undefined) return loc.file;
  return loc.col === undefined ? `${loc.file}:${loc.line}` : `${loc.file}:${loc.line}:${loc.col}`;
}

export function isXauditError(e: unknown): e is XauditError {
  return e instanceof XauditError;
}

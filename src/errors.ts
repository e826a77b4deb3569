// One catalogue of coded errors. Every error the daemon reports to a user (HTTP body, CLI line, log)
// carries a stable code, an HTTP status and, when one input field is at fault, that field's name.

export const ERRORS = {
  OVNCP_ERR_BAD_REQUEST: { status: 400, title: 'Bad request' },
  OVNCP_ERR_INVALID_FIELD: { status: 400, title: 'Invalid field' },
  OVNCP_ERR_INVALID_MAC: { status: 400, title: 'Invalid MAC address' },
  OVNCP_ERR_INVALID_IP: { status: 400, title: 'Invalid IP address' },
  OVNCP_ERR_UNKNOWN_PROTOCOL: { status: 400, title: 'Unknown protocol' },
  OVNCP_ERR_UNSUPPORTED_COMMAND: { status: 400, title: 'Unsupported ovn-nbctl command' },
  OVNCP_ERR_AMBIGUOUS: { status: 400, title: 'Ambiguous request' },
  OVNCP_ERR_UNAUTHORIZED: { status: 401, title: 'Unauthorized' },
  OVNCP_ERR_NOT_FOUND: { status: 404, title: 'Not found' },
  OVNCP_ERR_SOURCE_PORT_NOT_FOUND: { status: 404, title: 'Source port not found' },
  OVNCP_ERR_PORT_NOT_FOUND: { status: 404, title: 'Port not found' },
  OVNCP_ERR_PATH_NOT_FOUND: { status: 404, title: 'Path not found' },
  OVNCP_ERR_UNRESOLVABLE: { status: 422, title: 'The topology cannot answer this request' },
  OVNCP_ERR_RATE_LIMITED: { status: 429, title: 'Too many requests' },
  OVNCP_ERR_ENGINE_UNAVAILABLE: { status: 503, title: 'Trace engine unavailable' },
  OVNCP_ERR_NOT_READY: { status: 503, title: 'Not ready' },
  OVNCP_ERR_OVERLOADED: { status: 503, title: 'Too many traces in flight' },
  OVNCP_ERR_TIMEOUT: { status: 504, title: 'Trace timed out' },
  OVNCP_ERR_CONFIG: { status: 400, title: 'Invalid configuration' },
  OVNCP_ERR_TOPOLOGY: { status: 400, title: 'Invalid topology' },
  OVNCP_ERR_EXPR: { status: 400, title: 'Invalid match expression' },
  OVNCP_ERR_OVSDB: { status: 503, title: 'OVSDB error' },
  OVNCP_ERR_INTERNAL: { status: 500, title: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** An error meant for a user: code and status from the catalogue, optional field and file location. */
export class OvncpError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OvncpError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.field = options.field;
  }

  /** The API error body: `{ error: { code, message, field? } }`. */
  toBody(): { error: { code: ErrorCode; message: string; field?: string } } {
    return {
      error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) },
    };
  }
}

export function isOvncpError(err: unknown): err is OvncpError {
  return err instanceof OvncpError;
}

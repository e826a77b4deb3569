// Turns everything a trace route can fail with into the API error body `{error:{code,message,field?}}`:
// zod validation issues (with the code a schema put on them, and the field they concern), body parsing
// failures (malformed JSON, wrong content type, too large), and OvncpErrors from the engines. Anything
// else is a bug in us: logged, and answered 500 without details.

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERRORS, type ErrorCode, isOvncpError, OvncpError } from '../errors.ts';
import { UNKNOWN_PROTOCOL_PREFIX } from './trace-schemas.ts';

interface Issue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message: string;
  readonly params: Record<string, unknown>;
}

/** `/target_ports/2` -> `target_ports[2]`; the body itself -> undefined. */
function fieldOf(path: string): string | undefined {
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return undefined;
  return parts.map((p, i) => (/^\d+$/.test(p) && i > 0 ? `[${p}]` : i > 0 ? `.${p}` : p)).join('');
}

function issueError(issue: Issue, context: string | undefined): OvncpError {
  const field = fieldOf(issue.instancePath);
  const ovncp = (issue.params.params as { ovncp?: ErrorCode } | undefined)?.ovncp;
  if (issue.keyword === 'unrecognized_keys') {
    const keys = (issue.params.keys as string[] | undefined) ?? [];
    const name = [field, keys[0]].filter(Boolean).join('.');
    return new OvncpError('OVNCP_ERR_INVALID_FIELD', `Unknown field: ${name}`, { field: name });
  }
  if (field === undefined) {
    const what = context === 'params' ? 'URL parameters' : 'Request body';
    return new OvncpError('OVNCP_ERR_BAD_REQUEST', `${what} must be a JSON object`);
  }
  if (ovncp) return new OvncpError(ovncp, issue.message, { field });
  if (issue.keyword === 'invalid_value' && issue.message.startsWith(UNKNOWN_PROTOCOL_PREFIX)) {
    return new OvncpError('OVNCP_ERR_UNKNOWN_PROTOCOL', issue.message, { field });
  }
  if (issue.keyword === 'invalid_type' && /received undefined/.test(issue.message)) {
    return new OvncpError('OVNCP_ERR_INVALID_FIELD', `${field} is required`, { field });
  }
  const msg = issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
  return new OvncpError('OVNCP_ERR_INVALID_FIELD', msg, { field });
}

/** The OvncpError a failure maps to and the status to answer with; null for a failure that is our bug. */
export function toApiError(err: unknown): { error: OvncpError; status: number } | null {
  if (isOvncpError(err)) return { error: err, status: err.status };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const e = err as unknown as { validation: Issue[]; validationContext?: string };
    const error = issueError(e.validation[0]!, e.validationContext);
    return { error, status: error.status };
  }
  const fe = err as Partial<FastifyError>;
  const status = fe.statusCode ?? 0;
  if (status >= 400 && status < 500) {
    const code: ErrorCode = status === 404 ? 'OVNCP_ERR_NOT_FOUND' : 'OVNCP_ERR_BAD_REQUEST';
    // Keep the transport's status (413 too large, 415 wrong content type) rather than a blanket 400.
    return { error: new OvncpError(code, fe.message ?? ERRORS[code].title, { field: 'body' }), status };
  }
  return null;
}

export function apiErrorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const e = toApiError(err);
  if (e) return reply.code(e.status).send(e.error.toBody());
  req.log.error({ err }, 'trace API request failed');
  return reply
    .code(500)
    .send({ error: { code: 'OVNCP_ERR_INTERNAL', message: ERRORS.OVNCP_ERR_INTERNAL.title } });
}

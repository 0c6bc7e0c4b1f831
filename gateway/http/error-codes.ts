/**
 * Every error the API answers carries a stable `code` next to its English `error` text (for
 * logs and curl users) and, where a message names something, `params`. The dashboard shows
 * its own text per code in the user's language (public/i18n.js, `ERRORS`), never the English
 * text, so a Vietnamese user never reads a server message in English. A code, once shipped,
 * keeps its meaning; add new ones rather than reuse.
 *
 * Errors thrown without a code (a Fastify error, a route that says only its status) get the
 * code of their status, so the page always has something to translate.
 */

export const ERROR_CODES = [
  // generic, by status
  'INVALID_REQUEST', // 400: the body or query does not fit the schema (params.field)
  'LOGIN_REQUIRED', // 401
  'FORBIDDEN', // 403
  'NOT_FOUND', // 404
  'CONFLICT', // 409
  'TOO_MANY_ATTEMPTS', // 429: login rate limit
  'INTERNAL', // 5xx: details are only in the log
  // access (auth.ts)
  'CROSS_ORIGIN',
  'CSRF',
  'ROLE_NOT_ALLOWED',
  'OTHER_OFFICE',
  'VIEWER_READ_ONLY',
  'ADMIN_ONLY',
  'PASSWORD_CHANGE_REQUIRED', // the printed or reset password must be changed first
  // accounts
  'WRONG_CREDENTIALS',
  'WRONG_CURRENT_PASSWORD',
  'PASSWORD_UNCHANGED',
  'USER_EXISTS',
  'USER_NOT_FOUND',
  'HEAD_NEEDS_OFFICE',
  'ADMIN_NO_OFFICE',
  'LAST_ADMIN',
  'RESET_OWN_PASSWORD',
  'OFFICER_ACCOUNT_NEEDS_OFFICER', // an officer account is linked to one officer
  'ONLY_OFFICER_LINKED', // only an officer account has an officer
  // registry
  'INVALID_ID',
  'INVALID_NAME',
  'SECRET_TOO_SHORT',
  'UNKNOWN_OFFICE',
  'UNKNOWN_COUNTER',
  'UNKNOWN_OFFICER',
  'UNKNOWN_BOX',
  'UNKNOWN_SHIFT',
  'BOX_MOVED_LATER',
  'BOX_NEEDS_COUNTER',
  'OFFICER_OTHER_OFFICE',
  'NOT_ON_DUTY',
  'INVALID_SHIFT',
  'SHIFT_OVERLAP',
  'OFFICER_DOUBLE_BOOKED',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]
export type ErrorParams = Record<string, string | number>

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'INVALID_REQUEST',
  401: 'LOGIN_REQUIRED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'TOO_MANY_ATTEMPTS',
}

const KNOWN = new Set<string>(ERROR_CODES)

export interface ErrorBody {
  error: string
  code: ErrorCode
  params?: ErrorParams
}

/**
 * The body of an error answer. `err.code` is ours when it is one of ERROR_CODES (Fastify's
 * and Node's own codes, FST_ERR_..., ERR_..., are not: they get their status's code).
 */
export function errorBody(
  status: number,
  err: Error & { code?: unknown; params?: ErrorParams; validation?: Array<{ instancePath?: string; params?: { missingProperty?: string } }> },
): ErrorBody {
  if (status >= 500) return { error: 'internal error', code: 'INTERNAL' }
  const code = typeof err.code === 'string' && KNOWN.has(err.code) ? (err.code as ErrorCode) : (BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_REQUEST'))
  let params = err.params
  if (!params && err.validation?.[0]) {
    // The field the schema refused, so the page can name it ("/password", "/weekday").
    const v = err.validation[0]
    const field = v.params?.missingProperty ? `${v.instancePath ?? ''}/${v.params.missingProperty}` : (v.instancePath ?? '')
    if (field) params = { field }
  }
  return params ? { error: err.message, code, params } : { error: err.message, code }
}

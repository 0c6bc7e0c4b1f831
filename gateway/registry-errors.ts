/**
 * A registry change or lookup refused. Each error carries the HTTP status it answers with
 * (`statusCode`, as Fastify's own errors do), chosen where it is thrown: the HTTP layer maps
 * by type, never by message text, and the CLI prints the message. `code` and `params` are
 * what the dashboard translates (gateway/http/error-codes.ts lists every code).
 */
export class RegistryError extends Error {
  /** 400: the request itself is wrong (an invalid id, a time out of order). */
  readonly statusCode: number = 400
  constructor(
    message: string,
    readonly code?: string,
    readonly params?: Record<string, string | number>,
  ) {
    super(message)
  }
}
/** 404: an office, counter, officer, box or shift that does not exist. */
export class NotFoundError extends RegistryError {
  override readonly statusCode = 404
}
/** 409: the change does not fit the current state (signing out an officer not on duty). */
export class ConflictError extends RegistryError {
  override readonly statusCode = 409
}

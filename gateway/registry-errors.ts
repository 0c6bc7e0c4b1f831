/**
 * A registry change or lookup refused. Each error carries the HTTP status it answers with
 * (`statusCode`, as Fastify's own errors do), chosen where it is thrown: the HTTP layer maps
 * by type, never by message text, and the CLI prints the message.
 */
export class RegistryError extends Error {
  /** 400: the request itself is wrong (an invalid id, a time out of order). */
  readonly statusCode: number = 400
}
/** 404: an office, counter, officer, box or shift that does not exist. */
export class NotFoundError extends RegistryError {
  override readonly statusCode = 404
}
/** 409: the change does not fit the current state (signing out an officer not on duty). */
export class ConflictError extends RegistryError {
  override readonly statusCode = 409
}

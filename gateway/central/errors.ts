/**
 * What a PostgreSQL failure means for the forwarder: try again later (the server or the WAN
 * is down, a failover is under way), or stop until someone fixes the config or the central
 * store (it would fail the same way every time). SQLSTATE codes: PostgreSQL's Appendix A.
 */
export type CentralErrorKind = 'retry' | 'fatal'

export class CentralError extends Error {
  constructor(
    message: string,
    readonly kind: CentralErrorKind,
    readonly code?: string,
  ) {
    super(message)
    this.name = 'CentralError'
  }
}

/** Permanent refusals, with what to fix. */
const FATAL: Record<string, string> = {
  '28P01': 'authentication failed: check the password in central.url',
  '28000': 'authentication refused (pg_hba.conf or role): check the user in central.url and the server\'s pg_hba.conf',
  '3D000': 'the database in central.url does not exist',
  '3F000': 'the central schema is missing: run `chamdiem central migrate --url <owner url>`',
  '42P01': 'a central table is missing: run `chamdiem central migrate --url <owner url>`',
  '42883': 'a central function is missing: run `chamdiem central migrate --url <owner url>`',
  '42501': 'permission denied: this role may not write there (see docs/central.md: the role must be in chamdiem_gateway and own this centre)',
}

/** Classes that will not get better by retrying the same rows: data or syntax errors. */
const FATAL_CLASSES = ['22', '23', '42', '28', '3D', '3F']

export function classifyCentralError(err: unknown): CentralError {
  if (err instanceof CentralError) return err
  const e = err as Error & { code?: string }
  const code = typeof e?.code === 'string' ? e.code : undefined
  const message = e?.message ?? String(err)
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    const hint = FATAL[code]
    if (hint) return new CentralError(`${hint} (${code}: ${message})`, 'fatal', code)
    if (FATAL_CLASSES.includes(code.slice(0, 2))) return new CentralError(`PostgreSQL refused the rows (${code}: ${message})`, 'fatal', code)
    return new CentralError(`PostgreSQL error (${code}: ${message}); retrying`, 'retry', code)
  }
  // Below SQL: refused, reset, DNS, timeout, TLS. Network trouble is retried; a certificate
  // the config rejects is not.
  if (code && /^(ERR_TLS|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_VERIFY)/.test(code)) {
    return new CentralError(`TLS: ${message} (check central.tls)`, 'fatal', code)
  }
  return new CentralError(`cannot reach PostgreSQL: ${code ? `${code} ` : ''}${message}`, 'retry', code)
}

export function isPermanent(err: unknown): boolean {
  return classifyCentralError(err).kind === 'fatal'
}

/**
 * What the forwarder needs from an InfluxDB API: write these lines, or say why not in a way
 * that decides what happens next (retry later, halve the batch, or stop until fixed).
 */
import type { Static } from '@sinclair/typebox'
import type { InfluxSchema } from '../config-schema.ts'

export type InfluxConfig = Static<typeof InfluxSchema>

export interface WriteResult {
  /** Points the server refused for good but did not fail the batch for (beyond retention). */
  dropped: number
}

export interface InfluxWriter {
  /** Resolves once the server has accepted every line of `body` (newline-separated line protocol). */
  write(body: string, signal?: AbortSignal): Promise<WriteResult>
  /** Where the points go, without secrets, for logs and status: `v1 http://host:8086 db=chamdiem`. */
  readonly target: string
  close(): Promise<void>
}

/**
 * - `retry`: the server is down, overloaded or unreachable (network errors, 5xx, 429): try
 *   again after a backoff, or after `retryAfterMs` when the server said so.
 * - `too-large`: 413: the same points in smaller batches will go through.
 * - `fatal`: a request that will fail the same way every time (bad credentials, unknown
 *   database or bucket, a batch the server cannot parse): stop and keep the backlog.
 */
export type WriteErrorKind = 'retry' | 'too-large' | 'fatal'

export class WriteError extends Error {
  constructor(
    message: string,
    readonly kind: WriteErrorKind,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message)
    this.name = 'WriteError'
  }
}

/** `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from now. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

const BEYOND_RETENTION = /points beyond retention policy dropped=(\d+)/

/**
 * Turns a non-2xx answer into what the forwarder should do. `body` is the server's error text
 * (InfluxDB 1.x and 2.x: JSON with `error` or `message`).
 */
export function classifyResponse(status: number, body: string, retryAfter: string | null | undefined): WriteResult | WriteError {
  let detail = body.trim()
  try {
    const json = JSON.parse(detail) as { error?: string; message?: string }
    detail = json.error ?? json.message ?? detail
  } catch {
    // not JSON: keep the text
  }
  detail = detail.slice(0, 500)
  // Points older than the retention policy can never be written: the rest of the batch was,
  // so the batch counts as accepted (and the drop is reported), or the outbox would jam.
  const beyond = BEYOND_RETENTION.exec(detail)
  if (beyond && (status === 400 || status === 422) && !/unable to parse|field type conflict/.test(detail)) {
    return { dropped: Number(beyond[1]) }
  }
  const message = `HTTP ${status}${detail ? `: ${detail}` : ''}`
  if (status === 429 || status >= 500) return new WriteError(message, 'retry', status, parseRetryAfter(retryAfter))
  if (status === 413) return new WriteError(message, 'too-large', status)
  return new WriteError(`${message}${hint(status)}`, 'fatal', status)
}

function hint(status: number): string {
  switch (status) {
    case 401:
      return ' (check influx.token, or influx.username/password)'
    case 403:
      return ' (these credentials may not write there: grant write permission)'
    case 404:
      return ' (the database or bucket does not exist: create it, or fix influx.database/bucket/org)'
    default:
      return ''
  }
}

/** A failure below HTTP (refused, reset, DNS, timeout): always worth a retry. */
export function networkError(err: unknown): WriteError {
  const e = err as Error & { cause?: { code?: string; message?: string }; code?: string }
  const why = e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timed out' : (e.cause?.message ?? e.cause?.code ?? e.code ?? e.message)
  return new WriteError(`cannot reach InfluxDB: ${why}`, 'retry')
}

/** The URL without user info, safe to log. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    return u.toString().replace(/\/$/, '')
  } catch {
    return url
  }
}

/**
 * Tokens of integrations: a queue system (OpenCPS, iQMS), the counter PC's app, a BI tool.
 * An admin creates one for one office with scopes (`windows`: open and close rating windows;
 * `read`: read-only GETs of reports and the live view), sees it once, lists and revokes it.
 * Only the sha256 of the token is stored (32 random bytes: no slow hash needed, like box
 * secrets). The token names its own id (`cdt_<id>_<secret>`), so a lookup costs one row and
 * the id can attribute every call in the logs without the secret.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { TOKEN_ID_PATTERN } from '../protocol/index.ts'
import { NotFoundError, RegistryError } from './registry-errors.ts'
import type { Registry } from './registry.ts'
import type { Db } from './store/database.ts'
import { sql } from './store/statements.ts'

export const TOKEN_SCOPES = ['windows', 'read'] as const
export type TokenScope = (typeof TOKEN_SCOPES)[number]

export interface IntegrationToken {
  id: string
  name: string
  officeId: string
  scopes: TokenScope[]
  createdAt: number
  createdBy: string | null
  revokedAt: number | null
  lastUsedAt: number | null
}

interface Row extends Omit<IntegrationToken, 'scopes'> {
  scopes: string
  tokenHash: string
}

const TOKEN_RE = /^cdt_([A-Za-z0-9]{1,32})_([A-Za-z0-9_-]{43})$/
const tokenIdRe = new RegExp(TOKEN_ID_PATTERN)
const sha256 = (s: string) => createHash('sha256').update(s).digest()
/** last_used_at is written at most this often per token: a busy queue system is not a write per call. */
const TOUCH_MS = 60_000

const COLUMNS = `id, name, office_id AS officeId, scopes, token_hash AS tokenHash, created_at AS createdAt,
  created_by AS createdBy, revoked_at AS revokedAt, last_used_at AS lastUsedAt`

export class IntegrationTokens {
  private readonly touched = new Map<string, number>()

  constructor(
    private readonly db: Db,
    private readonly registry: Registry,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a token; the returned `token` is shown once and never again. */
  create(input: { name: string; officeId: string; scopes: TokenScope[]; createdBy: string | null }): { token: string; info: IntegrationToken } {
    this.registry.requireOffice(input.officeId)
    const name = input.name.trim()
    if (!name || name.length > 128 || /[\u0000-\u001f\u007f]/.test(name)) throw new RegistryError('name must be 1-128 characters, no control characters')
    const scopes = [...new Set(input.scopes)]
    if (scopes.length === 0 || scopes.some((s) => !(TOKEN_SCOPES as readonly string[]).includes(s))) {
      throw new RegistryError(`scopes must be one or more of ${TOKEN_SCOPES.join(', ')}`)
    }
    const id = randomBytes(9).toString('hex').slice(0, 12)
    const token = `cdt_${id}_${randomBytes(32).toString('base64url')}`
    sql(this.db, 'INSERT INTO integration_tokens (id, name, office_id, scopes, token_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      id, name, input.officeId, scopes.join(','), sha256(token).toString('hex'), this.now(), input.createdBy,
    )
    return { token, info: this.get(id)! }
  }

  list(officeId?: string | null): IntegrationToken[] {
    const rows = sql(this.db, `SELECT ${COLUMNS} FROM integration_tokens WHERE @office IS NULL OR office_id = @office ORDER BY created_at, id`).all({ office: officeId ?? null }) as Row[]
    return rows.map(toToken)
  }

  get(id: string): IntegrationToken | undefined {
    const row = sql(this.db, `SELECT ${COLUMNS} FROM integration_tokens WHERE id = ?`).get(id) as Row | undefined
    return row ? toToken(row) : undefined
  }

  revoke(id: string): IntegrationToken {
    const t = this.get(id)
    if (!t) throw new NotFoundError(`no token ${JSON.stringify(id)}`)
    if (t.revokedAt === null) sql(this.db, 'UPDATE integration_tokens SET revoked_at = ? WHERE id = ?').run(this.now(), id)
    return this.get(id)!
  }

  /**
   * The token a presented secret is, or why not (for the log: never the secret itself).
   * `expectId`: the id the caller claims (an MQTT username), which must match.
   */
  verify(presented: string, expectId?: string): { ok: true; token: IntegrationToken } | { ok: false; reason: string; id: string | null } {
    const m = TOKEN_RE.exec(presented)
    if (!m || !tokenIdRe.test(m[1])) return { ok: false, reason: 'not a chamdiem integration token', id: null }
    const id = m[1]
    if (expectId !== undefined && id !== expectId) return { ok: false, reason: 'token of another id', id }
    const row = sql(this.db, `SELECT ${COLUMNS} FROM integration_tokens WHERE id = ?`).get(id) as Row | undefined
    if (!row || !timingSafeEqual(Buffer.from(row.tokenHash, 'hex'), sha256(presented))) return { ok: false, reason: 'unknown token', id }
    if (row.revokedAt !== null) return { ok: false, reason: `token revoked at ${new Date(row.revokedAt).toISOString()}`, id }
    this.touch(id)
    return { ok: true, token: toToken(row) }
  }

  private touch(id: string): void {
    const now = this.now()
    const last = this.touched.get(id)
    if (last !== undefined && now - last < TOUCH_MS && now >= last) return
    this.touched.set(id, now)
    sql(this.db, 'UPDATE integration_tokens SET last_used_at = ? WHERE id = ?').run(now, id)
  }
}

function toToken(row: Row): IntegrationToken {
  const { tokenHash: _hash, ...rest } = row
  return { ...rest, scopes: row.scopes.split(',') as TokenScope[] }
}

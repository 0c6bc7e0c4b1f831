/**
 * Display tokens: how a wall screen in the office head's room stays signed in for months
 * without a person's password on it. A token is read-only and scoped to one office: it opens
 * that office's wall view and its event stream (routes/wall.ts), and no other route reads it,
 * so it can call no write API. An admin creates, lists and revokes them; the token is shown
 * once and kept only as its sha256, like session tokens (accounts.ts).
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'

export const DISPLAY_COOKIE = 'cd_display'

export interface DisplayToken {
  id: number
  officeId: string
  label: string
  createdBy: string | null
  createdAt: number
  lastUsedAt: number | null
  revokedAt: number | null
}

interface Row {
  id: number
  office_id: string
  label: string
  created_by: string | null
  created_at: number
  last_used_at: number | null
  revoked_at: number | null
}

const toToken = (r: Row): DisplayToken => ({
  id: r.id,
  officeId: r.office_id,
  label: r.label,
  createdBy: r.created_by,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
})

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

/** How often last_used_at is written (a wall screen checks its token at every reconnect and heartbeat). */
const TOUCH_MS = 60_000

export class DisplayTokens {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a token for `officeId`; the clear token is returned once, never stored. */
  create(input: { officeId: string; label: string; createdBy: string | null }): { token: string; display: DisplayToken } {
    if (!sql(this.db, 'SELECT 1 FROM offices WHERE id = ?').get(input.officeId)) {
      throw Object.assign(new Error(`no such office ${input.officeId}`), { statusCode: 400 })
    }
    const token = 'cdw_' + randomBytes(24).toString('base64url')
    const info = sql(this.db, 'INSERT INTO display_tokens (token_hash, office_id, label, created_by, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(sha256(token), input.officeId, input.label, input.createdBy, this.now())
    return { token, display: this.get(Number(info.lastInsertRowid))! }
  }

  get(id: number): DisplayToken | null {
    const row = sql(this.db, 'SELECT * FROM display_tokens WHERE id = ?').get(id) as Row | undefined
    return row ? toToken(row) : null
  }

  list(): DisplayToken[] {
    return (sql(this.db, 'SELECT * FROM display_tokens ORDER BY revoked_at IS NOT NULL, created_at DESC').all() as Row[]).map(toToken)
  }

  revoke(id: number): DisplayToken {
    const t = this.get(id)
    if (!t) throw Object.assign(new Error('no such display token'), { statusCode: 404 })
    if (t.revokedAt === null) sql(this.db, 'UPDATE display_tokens SET revoked_at = ? WHERE id = ?').run(this.now(), id)
    return this.get(id)!
  }

  /** The live token behind `token`, or null (unknown, revoked). */
  verify(token: string | undefined): DisplayToken | null {
    if (!token || !token.startsWith('cdw_')) return null
    const row = sql(this.db, 'SELECT * FROM display_tokens WHERE token_hash = ?').get(sha256(token)) as Row | undefined
    if (!row || row.revoked_at !== null) return null
    const now = this.now()
    if (row.last_used_at === null || now - row.last_used_at >= TOUCH_MS) {
      sql(this.db, 'UPDATE display_tokens SET last_used_at = ? WHERE id = ?').run(now, row.id)
    }
    return toToken(row)
  }
}

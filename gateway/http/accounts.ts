/**
 * Dashboard users and their sessions. Passwords are hashed with scrypt (memory-hard, in
 * node:crypto, no native add-on); a session is a random 32-byte token kept only by the
 * browser (httpOnly cookie) and stored here as its sha256, so a copy of the database does not
 * let anyone log in.
 *
 * Roles: admin (everything), head (office head: sees and manages only their office), viewer
 * (read-only, optionally limited to one office), officer (linked to one officer: sees only
 * their own results, delayed; routes/me.ts). Every user change is in the audit trail
 * (audit.ts), in the transaction of the change.
 *
 * A password someone else has seen (the first admin's, printed at first start; one an admin
 * reset or set) is marked `mustChangePassword`: that user can do nothing but change it
 * (auth.ts), so the printed or handed-over one stops working as soon as it has been used.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import type { Db } from '../store/database.ts'
import { sql } from '../store/statements.ts'
import { recordAudit, SYSTEM, type Actor, type AuditAction } from '../audit.ts'
import type { ErrorCode } from './error-codes.ts'

export const ROLES = ['admin', 'head', 'viewer', 'officer'] as const
export type Role = (typeof ROLES)[number]

export interface User {
  id: number
  username: string
  role: Role
  officeId: string | null
  /** The officer an `officer` account is (null for every other role). */
  officerId: string | null
  createdAt: number
  /** The password was printed or set by someone else: change it before anything else. */
  mustChangePassword: boolean
}

export interface Session {
  user: User
  expiresAt: number
  /** Double-submit CSRF token bound to this session (see csrfTokenFor). */
  csrf: string
}

/** scrypt cost: N=2^15, r=8 (~32 MiB, ~50-100 ms): OWASP's minimum for scrypt. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, keylen: 32 }
const SESSION_MS = 12 * 3600 * 1000

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

/** `scrypt$N$r$p$salt$hash` (base64url), so the cost can be raised later without a migration. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const { N, r, p, keylen } = SCRYPT
  const key = await scryptAsync(password, salt, keylen, { N, r, p, maxmem: 128 * N * r * 2 })
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$')
  if (kind !== 'scrypt' || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const N = Number(n)
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, {
    N,
    r: Number(r),
    p: Number(p),
    maxmem: 128 * N * Number(r) * 2,
  })
  return timingSafeEqual(key, expected)
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

/**
 * The CSRF token of a session: derived from the session token, which only the browser holds
 * (httpOnly), so a cross-site page can neither read nor compute it, and the server needs no
 * extra state to check it.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update('chamdiem-csrf:' + sessionToken).digest('base64url')
}

export function randomPassword(): string {
  // 18 bytes = 24 base64url characters (~144 bits): printed once, never stored in clear.
  return randomBytes(18).toString('base64url')
}

interface UserRow {
  id: number
  username: string
  password_hash: string
  role: Role
  office_id: string | null
  officer_id: string | null
  created_at: number
  must_change_password: number
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  role: r.role,
  officeId: r.office_id,
  officerId: r.officer_id,
  createdAt: r.created_at,
  mustChangePassword: r.must_change_password === 1,
})

/** A refused account change; `code` is what the page translates (error-codes.ts). */
export class AccountError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: ErrorCode,
  ) {
    super(message)
  }
}

export class Accounts {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * First start: when no user exists, creates `admin` with a random password and returns the
   * password so the caller can print it once. Returns null when users exist already.
   */
  async ensureFirstAdmin(username = 'admin'): Promise<{ username: string; password: string } | null> {
    const n = (sql(this.db, 'SELECT count(*) AS n FROM users').get() as { n: number }).n
    if (n > 0) return null
    const password = randomPassword()
    // Printed to the terminal or journal: good for one login, which must change it.
    await this.create({ username, password, role: 'admin', officeId: null, mustChange: true })
    return { username, password }
  }

  list(): User[] {
    return (sql(this.db, 'SELECT * FROM users ORDER BY username').all() as UserRow[]).map(toUser)
  }

  get(id: number): User | null {
    const row = sql(this.db, 'SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined
    return row ? toUser(row) : null
  }

  /** `by`: who creates the account, for the audit trail (default: the gateway itself). */
  async create(
    input: { username: string; password: string; role: Role; officeId: string | null; officerId?: string | null; mustChange?: boolean },
    by: Actor = SYSTEM,
  ): Promise<User> {
    const officeId = this.checkRole(input.role, input.officeId, input.officerId ?? null)
    if (sql(this.db, 'SELECT 1 FROM users WHERE username = ?').get(input.username)) {
      throw new AccountError(`user ${input.username} exists already`, 409, 'USER_EXISTS')
    }
    const hash = await hashPassword(input.password)
    const id = this.db.transaction(() => {
      const info = sql(
        this.db,
        'INSERT INTO users (username, password_hash, role, office_id, officer_id, created_at, must_change_password) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(input.username, hash, input.role, officeId, input.officerId ?? null, this.now(), input.mustChange ? 1 : 0)
      this.audit(by, 'user.create', this.get(Number(info.lastInsertRowid))!, {})
      return Number(info.lastInsertRowid)
    })()
    return this.get(id)!
  }

  /**
   * Changes role, office or password. A new password is final unless `mustChange` says it was
   * set for someone else (an admin handing it over), who must then change it at next login.
   */
  async update(
    id: number,
    change: { password?: string; role?: Role; officeId?: string | null; officerId?: string | null; mustChange?: boolean },
    by: Actor = SYSTEM,
  ): Promise<User> {
    const user = this.get(id)
    if (!user) throw new AccountError('no such user', 404, 'USER_NOT_FOUND')
    const role = change.role ?? user.role
    const officerId = role !== 'officer' ? null : change.officerId !== undefined ? change.officerId : user.officerId
    const officeId = this.checkRole(role, change.officeId !== undefined ? change.officeId : user.officeId, officerId)
    if (user.role === 'admin' && role !== 'admin') this.keepOneAdmin(id)
    const hash = change.password !== undefined ? await hashPassword(change.password) : null
    this.db.transaction(() => {
      sql(this.db, 'UPDATE users SET role = ?, office_id = ?, officer_id = ? WHERE id = ?').run(role, officeId, officerId, id)
      if (hash) {
        sql(this.db, 'UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?').run(hash, change.mustChange ? 1 : 0, id)
        // A new password ends every session of that user (a stolen cookie dies with it).
        sql(this.db, 'DELETE FROM user_sessions WHERE user_id = ?').run(id)
      }
      // Never the password: only that it changed.
      this.audit(by, 'user.update', this.get(id)!, { before: { role: user.role, officeId: user.officeId, officerId: user.officerId }, passwordChanged: !!hash })
    })()
    return this.get(id)!
  }

  /**
   * An admin resets someone's forgotten password: returns a random one-time password (shown
   * once to the admin, never stored in clear) that the user must change at login. Their
   * sessions end now.
   */
  async resetPassword(id: number, by: Actor = SYSTEM): Promise<string> {
    const password = randomPassword()
    await this.update(id, { password, mustChange: true }, by)
    return password
  }

  /** A user changes their own password: the current one proves it is them. */
  async changeOwnPassword(user: User, current: string, next: string, by: Actor = { actor: user.username, source: 'gateway' }): Promise<User> {
    if (!(await this.authenticate(user.username, current))) {
      throw new AccountError('current password is wrong', 403, 'WRONG_CURRENT_PASSWORD')
    }
    if (next === current) throw new AccountError('the new password is the current one', 400, 'PASSWORD_UNCHANGED')
    return this.update(user.id, { password: next }, by)
  }

  remove(id: number, by: Actor = SYSTEM): void {
    const user = this.get(id)
    if (!user) throw new AccountError('no such user', 404, 'USER_NOT_FOUND')
    if (user.role === 'admin') this.keepOneAdmin(id)
    this.db.transaction(() => {
      sql(this.db, 'DELETE FROM user_sessions WHERE user_id = ?').run(id)
      sql(this.db, 'DELETE FROM users WHERE id = ?').run(id)
      this.audit(by, 'user.remove', user, {})
    })()
  }

  private audit(by: Actor, action: AuditAction, u: User, details: Record<string, unknown>): void {
    recordAudit(this.db, {
      ...by,
      action,
      subject: `user:${u.username}`,
      officeId: u.officeId,
      officerId: u.officerId,
      at: this.now(),
      details: { role: u.role, ...details },
    })
  }

  /** Checks a password; returns the user or null (same answer for unknown user and wrong password). */
  async authenticate(username: string, password: string): Promise<User | null> {
    const row = sql(this.db, 'SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined
    // Hash anyway for unknown users so response time does not reveal which usernames exist.
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH)
    return row && ok ? toUser(row) : null
  }

  /** Opens a session; returns the token for the cookie (never stored in clear). */
  openSession(userId: number): { token: string; expiresAt: number } {
    const token = randomBytes(32).toString('base64url')
    const now = this.now()
    const expiresAt = now + SESSION_MS
    sql(this.db, 'DELETE FROM user_sessions WHERE expires_at <= ?').run(now)
    sql(this.db, 'INSERT INTO user_sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(sha256(token), userId, now, expiresAt)
    return { token, expiresAt }
  }

  session(token: string | undefined): Session | null {
    if (!token) return null
    const row = sql(
      this.db,
      `SELECT u.*, s.expires_at AS expires_at FROM user_sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ?`,
    ).get(sha256(token)) as (UserRow & { expires_at: number }) | undefined
    if (!row || row.expires_at <= this.now()) return null
    return { user: toUser(row), expiresAt: row.expires_at, csrf: csrfTokenFor(token) }
  }

  closeSession(token: string | undefined): void {
    if (token) sql(this.db, 'DELETE FROM user_sessions WHERE token_hash = ?').run(sha256(token))
  }

  /** Checks a role's office and officer; returns the office to store (an officer's own). */
  private checkRole(role: Role, officeId: string | null, officerId: string | null): string | null {
    if (role === 'officer') {
      const officer = officerId ? (sql(this.db, 'SELECT office_id FROM officers WHERE id = ?').get(officerId) as { office_id: string } | undefined) : undefined
      if (!officer) throw new AccountError(officerId ? `no such officer ${officerId}` : 'an officer account needs an officer', 400, officerId ? 'UNKNOWN_OFFICER' : 'OFFICER_ACCOUNT_NEEDS_OFFICER')
      return officer.office_id
    }
    if (officerId) throw new AccountError('only an officer account is linked to an officer', 400, 'ONLY_OFFICER_LINKED')
    if (role === 'head' && !officeId) throw new AccountError('an office head needs an office', 400, 'HEAD_NEEDS_OFFICE')
    if (role === 'admin' && officeId) throw new AccountError('an admin is not limited to an office', 400, 'ADMIN_NO_OFFICE')
    if (officeId && !sql(this.db, 'SELECT 1 FROM offices WHERE id = ?').get(officeId)) {
      throw new AccountError(`no such office ${officeId}`, 400, 'UNKNOWN_OFFICE')
    }
    return officeId
  }

  private keepOneAdmin(exceptId: number): void {
    const n = (
      sql(this.db, "SELECT count(*) AS n FROM users WHERE role = 'admin' AND id != ?").get(exceptId) as { n: number }
    ).n
    if (n === 0) throw new AccountError('the last admin cannot be removed or demoted', 409, 'LAST_ADMIN')
  }
}

// A valid hash of a random password, verified against when the username is unknown.
const DUMMY_HASH = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`

import { describe, expect, it } from 'vitest'
import pg from 'pg'
import { startPostgres } from '../helpers/servers/postgres.ts'

describe('test PostgreSQL server', () => {
  it('runs unprivileged on a loopback port, refuses a wrong password, and survives stop/start with its data', async () => {
    const server = await startPostgres()
    const [who] = await server.query<{ u: string; v: string }>("SELECT current_user AS u, current_setting('server_version_num') AS v")
    expect(who.u).toBe('postgres')
    expect(Number(who.v)).toBeGreaterThanOrEqual(150000)
    await server.query('CREATE TABLE t (n int)')
    await server.query('INSERT INTO t VALUES (1)')

    const wrong = new pg.Client({ connectionString: server.url({ user: 'postgres', password: 'wrong' }) })
    await expect(wrong.connect()).rejects.toThrow(/password authentication failed/)

    await server.stop()
    expect(server.running).toBe(false)
    await expect(server.query('SELECT 1')).rejects.toThrow(/ECONNREFUSED/)
    await server.start()
    expect(await server.query('SELECT n FROM t')).toEqual([{ n: 1 }])
  })
})

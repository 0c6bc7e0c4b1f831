/**
 * The HTTP service as the gateway runs it: listens on the configured loopback port, creates
 * the first admin once, and stops promptly even with a live event stream open.
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { HttpService } from '../../gateway/http/server.ts'
import { openDatabase } from '../../gateway/store/database.ts'
import { EventBus, type GatewayEvents } from '../../gateway/events.ts'
import { Registry } from '../../gateway/registry.ts'
import { resolveConfig } from '../../gateway/config.ts'
import { silentLogger } from '../../gateway/log.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { tempDir } from '../helpers/tmp.ts'

function service(dir: string) {
  const config = resolveConfig({ dataDir: dir, http: { host: '127.0.0.1', port: 0 } }, '(test)', {})
  const db = openDatabase(join(dir, 'chamdiem.db'))
  const bus = new EventBus<GatewayEvents>()
  const http = new HttpService({ db, registry: new Registry({ db, bus, timezone: config.timezone }), bus, config, log: silentLogger() })
  registerCleanup(async () => {
    await http.stop()
    db.close()
  })
  return http
}

describe('HttpService', () => {
  it('creates the first admin once, serves, and stops with an event stream open', async () => {
    const dir = tempDir('chamdiem-httpsvc-')
    const http = service(dir)
    await http.start()
    expect(http.firstAdmin?.username).toBe('admin')
    expect(http.url).toBe(`http://127.0.0.1:${http.port}/`)
    const base = `http://127.0.0.1:${http.port}`
    expect((await fetch(base + '/api/health')).status).toBe(200)
    expect((await fetch(base + '/api/live')).status).toBe(401)

    const login = await fetch(base + '/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(http.firstAdmin) })
    expect(login.status).toBe(200)
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
    const stream = await fetch(base + '/api/live/events', { headers: { cookie } })
    expect(stream.status).toBe(200)
    const reader = stream.body!.getReader()
    await reader.read()
    await http.stop()
    // The stream was ended by the server, not left hanging.
    let done = false
    for (let i = 0; i < 20 && !done; i++) done = (await reader.read()).done
    expect(done).toBe(true)

    // Second start on the same database: no new admin, the old password still works.
    const again = service(dir)
    await again.start()
    expect(again.firstAdmin).toBeNull()
  })
})

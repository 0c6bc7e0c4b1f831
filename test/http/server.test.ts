/**
 * The HTTP service as the gateway runs it: listens on the configured loopback port, creates
 * the first admin once, and stops promptly even with a live event stream open.
 */
import { describe, expect, it } from 'vitest'
import { startTestGateway } from '../helpers/gateway.ts'
import { tempDir } from '../helpers/tmp.ts'
import { loginFirstAdmin } from '../helpers/first-admin.ts'

/** The HTTP part of a gateway started as `chamdiem gateway` starts it (gateway/parts.ts). */
async function service(dir: string) {
  const t = await startTestGateway({ dataDir: dir, standardParts: true })
  return { http: t.gw.http!, firstAdmin: t.gw.notices.firstAdmin ?? null, stop: () => t.stop() }
}

describe('HttpService', () => {
  it('creates the first admin once, serves, and stops with an event stream open', async () => {
    const dir = tempDir('chamdiem-httpsvc-')
    const { http, firstAdmin, stop } = await service(dir)
    expect(firstAdmin?.username).toBe('admin')
    expect(http.url).toBe(`http://127.0.0.1:${http.port}/`)
    const base = `http://127.0.0.1:${http.port}`
    expect((await fetch(base + '/api/health')).status).toBe(200)
    expect((await fetch(base + '/api/live')).status).toBe(401)

    const cookie = await loginFirstAdmin(base, firstAdmin!)
    const stream = await fetch(base + '/api/live/events', { headers: { cookie } })
    expect(stream.status).toBe(200)
    const reader = stream.body!.getReader()
    await reader.read()
    await stop()
    // The stream was ended by the server, not left hanging.
    let done = false
    for (let i = 0; i < 20 && !done; i++) done = (await reader.read()).done
    expect(done).toBe(true)

    // Second start on the same database: no new admin, the old password still works.
    const again = await service(dir)
    expect(again.firstAdmin).toBeNull()
  })
})

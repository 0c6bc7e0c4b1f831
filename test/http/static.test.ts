/**
 * The dashboard's files (issue 16, item 10): compressed when the browser accepts it (brotli
 * first, gzip otherwise), validated with an ETag (304 when unchanged), and lit-html served
 * from the installed package's own folder, nothing else of node_modules.
 */
import { describe, expect, it, beforeAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { startTestApp, type TestApp } from './app-helper.ts'

let t: TestApp

beforeAll(async () => {
  t = await startTestApp()
})

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers })

describe('static files', () => {
  it('sends brotli or gzip as accepted, the same bytes as the file, with an ETag per representation and 304 when unchanged', async () => {
    const file = readFileSync(new URL('../../gateway/http/public/style.css', import.meta.url))
    const br = await get('/static/style.css', { 'accept-encoding': 'gzip, deflate, br' })
    expect(br.statusCode).toBe(200)
    expect(br.headers['content-encoding']).toBe('br')
    expect(br.headers.vary).toMatch(/accept-encoding/i)
    expect(br.headers['cache-control']).toBe('no-cache')
    expect(brotliDecompressSync(br.rawPayload).equals(file)).toBe(true)
    expect(br.rawPayload.length).toBeLessThan(file.length / 2)

    const gz = await get('/static/style.css', { 'accept-encoding': 'gzip' })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gz.rawPayload).equals(file)).toBe(true)
    const plain = await get('/static/style.css', { 'accept-encoding': 'br;q=0, identity' })
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.rawPayload.equals(file)).toBe(true)
    const etags = new Set([br.headers.etag, gz.headers.etag, plain.headers.etag])
    expect(etags.size).toBe(3)

    const again = await get('/static/style.css', { 'accept-encoding': 'gzip, br', 'if-none-match': String(br.headers.etag) })
    expect(again.statusCode).toBe(304)
    expect(again.rawPayload.length).toBe(0)
    expect(again.headers.etag).toBe(br.headers.etag)
    // nginx marks an ETag weak when it recompresses: still the same file.
    expect((await get('/static/style.css', { 'accept-encoding': 'gzip', 'if-none-match': `W/${gz.headers.etag}` })).statusCode).toBe(304)
    // Another representation's tag is not this one's.
    expect((await get('/static/style.css', { 'accept-encoding': 'gzip', 'if-none-match': String(br.headers.etag) })).statusCode).toBe(200)
    // The login page's own files are public; the dashboard's are not.
    expect((await get('/static/live.js')).statusCode).toBe(401)
  })

  it('serves lit-html from the installed package, only its browser modules', async () => {
    // The browser build at the package's root (Node's own entries are under node/).
    const pkgFile = join(process.cwd(), 'node_modules', 'lit-html', 'lit-html.js')
    const res = await get('/static/vendor/lit-html/lit-html.js', { 'accept-encoding': 'br' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/javascript/)
    expect(brotliDecompressSync(res.rawPayload).equals(readFileSync(pkgFile))).toBe(true)
    expect((await get('/static/vendor/lit-html/directives/repeat.js')).statusCode).toBe(200)
    for (const bad of ['../package.json', '..%2F..%2Fpackage.json', 'node/lit-html.js', 'lit-html.js.map', 'development/lit-html.js', 'nope.js']) {
      // 404, or 401 where the path leaves the route (unknown paths answer 401 without a session).
      expect([401, 404], bad).toContain((await get('/static/vendor/lit-html/' + bad)).statusCode)
    }
  })
})

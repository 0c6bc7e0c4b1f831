/**
 * The province's public page in Debian's Chromium (no login) over a real PostgreSQL 15: each
 * centre's satisfaction and the ranking of centres for a finished quarter, never an officer,
 * a centre under the minimum sample left out, an unfinished quarter refused with its reason;
 * it fits a 360 px phone and passes axe-core. Without `publicPage` there is no such page.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import type { FastifyInstance } from 'fastify'
import type { Browser } from 'playwright-core'
import { localMidnight } from '../../gateway/local-time.ts'
import { buildProvinceApp } from '../../gateway/central/province-server.ts'
import { startCentralDb, type CentralDb } from '../central/central-db.ts'
import { ARTIFACTS, launchBrowser, newPage } from './browser.ts'

const TZ = 'Asia/Ho_Chi_Minh'
const AXE = readFileSync(join(process.cwd(), 'node_modules/axe-core/axe.min.js'), 'utf8')
// The server's "now" is fixed in Q2 2026 (never today's date): Q1 is finished, Q2 is not.
const NOW = localMidnight('2026-05-20', TZ) + 10 * 3600_000
const INSERT = `INSERT INTO chamdiem.presses (centre_id, box_id, boot, seq, rating, repeat, burst, received_at, age_ms, time_ms, office_id, counter_id, officer_id, gateway_id)
  SELECT $1, 'b1', 'boot', s, $2, false, false, $3, 0, $3, 'o', 'q1', 'an', s FROM generate_series($4::int, $5::int) s`

let db: CentralDb
let pool: pg.Pool
let app: FastifyInstance
let base: string
let browser: Browser

beforeAll(async () => {
  db = await startCentralDb()
  // Q1 2026: x 40 smileys; y 30 smileys and 10 frowns; z 3 ratings (under the minimum sample).
  const seed: Record<string, { name: string; presses: Array<[string, number]> }> = {
    x: { name: 'Phường Tân Định', presses: [['positive', 40]] },
    y: { name: 'Xã Bình Hưng', presses: [['positive', 30], ['negative', 10]] },
    z: { name: 'Xã Nhỏ', presses: [['positive', 3]] },
  }
  for (const [id, c] of Object.entries(seed)) {
    const client = new pg.Client({ connectionString: await db.addCentre(id, c.name) })
    await client.connect()
    await client.query("INSERT INTO chamdiem.officers (centre_id, id, office_id, name, active) VALUES ($1, 'an', 'o', 'Nguyễn Văn An', true)", [id])
    let seq = 0
    for (const [rating, n] of c.presses) {
      await client.query(INSERT, [id, rating, localMidnight('2026-02-10', TZ) + 9 * 3600_000, seq + 1, seq + n])
      seq += n
    }
    await client.end()
  }
  pool = new pg.Pool({ connectionString: await db.addReader('province_public') })
  pool.on('error', () => {}) // PostgreSQL may stop before the pool ends (57P01): no failure of these tests
  app = await buildProvinceApp({ pool, users: [], timeZone: TZ, now: () => NOW, publicPage: true })
  await app.listen({ host: '127.0.0.1', port: 0 })
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  browser = await launchBrowser()
})
afterAll(async () => {
  await app?.close()
  await pool?.end()
})

describe('the public page', () => {
  it('ranks the centres of a finished quarter without a login, never an officer, small samples left out', async () => {
    const page = await newPage(browser)
    await page.goto(base + '/public?period=quarter&year=2026&n=1')
    await page.waitForSelector('#public-table tbody tr')
    expect(await page.locator('#public-heading').innerText()).toBe('Quý 1 năm 2026: xếp hạng các trung tâm')
    const rows = await page.locator('#public-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => (td as HTMLElement).innerText)))
    // x: 40 of 40 satisfied; y: 30 of 40 (75 %). Indices: 100 and 75 points.
    expect(rows).toEqual([
      ['1', 'Phường Tân Định', '40', '100%', '100,0'],
      ['2', 'Xã Bình Hưng', '40', '75%', '75,0'],
    ])
    const text = await page.locator('body').innerText()
    expect(text).not.toContain('Nguyễn Văn An')
    expect(text).not.toContain('Xã Nhỏ')
    await page.screenshot({ path: join(ARTIFACTS, 'province-public.png'), fullPage: true })

    // The quarter still running is refused, with the server's reason on the page.
    await page.selectOption('#public-n', '2')
    await page.waitForSelector('#public-error')
    expect(await page.locator('#public-error').innerText()).toBe('Quý 2 năm 2026 chưa kết thúc: chỉ công bố kết quả của các kỳ đã kết thúc.')
    expect(await page.locator('#public-table').count()).toBe(0)
    await page.context().close()
  })

  it('fits a 360 px phone in Vietnamese and English without serious or critical axe-core violations', async () => {
    const page = await newPage(browser, { width: 360, height: 740 })
    const problems: string[] = []
    for (const language of ['vi', 'en']) {
      await page.goto(base + '/public?period=quarter&year=2026&n=1')
      if (language === 'en') await page.selectOption('#lang', 'en')
      await page.waitForSelector('#public-table tbody tr')
      if (language === 'en') expect(await page.locator('#public-heading').innerText()).toBe('Q1 2026: centres ranked')
      const { scroll, client } = await page.evaluate(() => ({ scroll: document.scrollingElement!.scrollWidth, client: document.scrollingElement!.clientWidth }))
      if (scroll > client) problems.push(`${language}: scrollWidth ${scroll} > ${client}`)
      await page.evaluate(AXE)
      const violations = (await page.evaluate(() =>
        (window as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string }> }> } }).axe.run().then((r) => r.violations.map((v) => `${v.impact} ${v.id}`)),
      )) as string[]
      problems.push(...violations.filter((v) => v.startsWith('serious') || v.startsWith('critical')).map((v) => `${language}: ${v}`))
      await page.screenshot({ path: join(ARTIFACTS, `province-public-360-${language}.png`), fullPage: true })
    }
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('is not there unless the province turns it on', async () => {
    const closed = await buildProvinceApp({ pool, users: [], timeZone: TZ, now: () => NOW })
    try {
      const res = await closed.inject({ url: '/public' })
      expect(res.statusCode).not.toBe(200)
      expect((await closed.inject({ url: '/static/province-public.js' })).statusCode).toBe(401)
      expect((await closed.inject({ url: '/api/public/ranking?period=quarter&year=2026&n=1' })).statusCode).not.toBe(200)
    } finally {
      await closed.close()
    }
  })
})

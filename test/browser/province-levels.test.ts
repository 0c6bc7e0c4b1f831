/**
 * The province's pages on its own rating scale, in Debian's Chromium over a real PostgreSQL
 * 15: a five-level province shows five columns with their Vietnamese labels and each level's
 * exact count on the live, ranking and drill-down pages; a three-level province shows its
 * three, and the levels a five-level centre sent that it lacks as marked columns with a note.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import type { FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import { SCALE_PRESETS, type RatingScale } from '../../protocol/index.ts'
import { localMidnight } from '../../gateway/local-time.ts'
import { hashPassword } from '../../gateway/http/accounts.ts'
import { buildProvinceApp } from '../../gateway/central/province-server.ts'
import { startCentralDb, type CentralDb } from '../central/central-db.ts'
import { ARTIFACTS, launchBrowser, newPage } from './browser.ts'
import { PASSWORD, login } from './province-fixture.ts'

const TZ = 'Asia/Ho_Chi_Minh'
// The server's "now" (never today's date); the presses are an hour before it.
const NOW = localMidnight('2026-05-20', TZ) + 10 * 3600_000
const PRESSES = { positive: 4, neutral: 3, fair: 2, negative: 1, 'very-negative': 1 }
const INSERT = `INSERT INTO chamdiem.presses (centre_id, box_id, boot, seq, rating, repeat, burst, received_at, age_ms, time_ms, office_id, counter_id, officer_id, gateway_id)
  SELECT 'five', 'b1', 'boot', s, $1, false, false, $2, 0, $2, 'o', 'q1', 'an', s FROM generate_series($3::int, $4::int) s`

let db: CentralDb
let pool: pg.Pool
let browser: Browser
const apps: FastifyInstance[] = []

async function province(scale?: RatingScale): Promise<string> {
  const users = [{ username: 'tinh', role: 'admin' as const, password: await hashPassword(PASSWORD) }]
  const app = await buildProvinceApp({ pool, users, timeZone: TZ, now: () => NOW, scale })
  apps.push(app)
  return app.listen({ host: '127.0.0.1', port: 0 })
}

/** The table's headings and one row's cells, by data-field, as the page shows them. */
async function table(page: Page, selector: string, key: string) {
  const headings = await page.locator(`${selector} thead th`).evaluateAll((ths) => ths.map((th) => (th as HTMLElement).innerText.trim()))
  const cells = await page
    .locator(`${selector} tr[data-key="${key}"] [data-field]`)
    .evaluateAll((tds) => Object.fromEntries(tds.map((td) => [(td as HTMLElement).dataset.field, (td as HTMLElement).innerText.trim()])))
  return { headings, cells }
}

beforeAll(async () => {
  db = await startCentralDb()
  const c = new pg.Client({ connectionString: await db.addCentre('five', 'Phường Năm') })
  await c.connect()
  await c.query("INSERT INTO chamdiem.officers (centre_id, id, office_id, name, active) VALUES ('five', 'an', 'o', 'Nguyễn Văn An', true)")
  await c.query("INSERT INTO chamdiem.counters (centre_id, id, office_id, name) VALUES ('five', 'q1', 'o', 'Quầy 1')")
  let seq = 0
  for (const [rating, n] of Object.entries(PRESSES)) {
    await c.query(INSERT, [rating, NOW - 3600_000, seq + 1, seq + n])
    seq += n
  }
  await c.end()
  pool = new pg.Pool({ connectionString: await db.addReader('province_levels') })
  pool.on('error', () => {}) // PostgreSQL may stop before the pool ends (57P01): no failure of these tests
  browser = await launchBrowser()
}, 120_000)
afterAll(async () => {
  for (const app of apps) await app.close()
  await pool?.end()
})

describe('the province pages on its scale', () => {
  it('show five columns with their labels and exact counts on a five-level province', { timeout: 120_000 }, async () => {
    const base = await province(SCALE_PRESETS[5])
    const page = await newPage(browser)
    await login(page, base, 'tinh')
    const counts = { positive: '4', neutral: '3', fair: '2', negative: '1', 'very-negative': '1', total: '11' }
    const live = await table(page, '#live-centres', 'five')
    expect(live.headings).toEqual(['Trung tâm', '😊 Rất hài lòng', '😐 Hài lòng', '😐 Bình thường', '☹️ Không hài lòng', '😠 Rất không hài lòng', 'Tổng', 'Tỷ lệ hài lòng'])
    expect(live.cells).toMatchObject({ ...counts, satisfaction: '63,6%' })

    await page.goto(`${base}/ranking?by=centre&period=2026-05`)
    await page.waitForSelector('#ranking-table tr[data-key="five"]')
    const ranking = await table(page, '#ranking-table', 'five')
    expect(ranking.headings.slice(2, 8)).toEqual(['😊 Rất hài lòng', '😐 Hài lòng', '😐 Bình thường', '☹️ Không hài lòng', '😠 Rất không hài lòng', 'Tổng'])
    // 7 of 11 satisfied; index (4·100 + 3·75 + 2·50 + 1·25) / 11 = 68,2.
    expect(ranking.cells).toMatchObject({ ...counts, satisfaction: '63,6%', index: '68,2' })
    expect(await page.locator('.outside-scale').count()).toBe(0)
    expect(await page.locator('#view').innerText()).not.toMatch(/\bnull\b|undefined/)
    await page.screenshot({ path: join(ARTIFACTS, 'province-ranking-5-levels.png'), fullPage: true })

    await page.click('#ranking-table tr[data-key="five"] a')
    await page.waitForSelector('#drill-table tr[data-key="q1"]')
    expect((await table(page, '#drill-table', 'q1')).cells).toMatchObject(counts)
    const unit = await page.locator('#unit-figures [data-field]').evaluateAll((ps) => ps.map((p) => (p as HTMLElement).innerText.replace(/\s+/g, ' ').trim()))
    expect(unit.slice(0, 6)).toEqual(['Rất hài lòng 4', 'Hài lòng 3', 'Bình thường 2', 'Không hài lòng 1', 'Rất không hài lòng 1', 'Tổng 11'])
  })

  it('mark the levels a three-level province lacks, counted, with a note', { timeout: 120_000 }, async () => {
    const base = await province()
    const page = await newPage(browser)
    await login(page, base, 'tinh')
    await page.goto(`${base}/ranking?by=centre&period=2026-05`)
    await page.waitForSelector('#ranking-table tr[data-key="five"]')
    const ranking = await table(page, '#ranking-table', 'five')
    expect(ranking.headings.slice(2, 8)).toEqual(['😊 Rất hài lòng', '😐 Hài lòng', '☹️ Không hài lòng', '😐 Bình thường *', '😠 Rất không hài lòng *', 'Tổng'])
    // Every press in the total and the rate; the index over the 8 presses the scale scores.
    expect(ranking.cells).toMatchObject({ positive: '4', neutral: '3', negative: '1', fair: '2', 'very-negative': '1', total: '11', satisfaction: '63,6%', index: '68,8' })
    expect(await page.locator('.outside-scale').innerText()).toContain('Mức ngoài thang điểm của tỉnh (Bình thường, Rất không hài lòng)')
    await page.screenshot({ path: join(ARTIFACTS, 'province-ranking-outside-scale.png'), fullPage: true })
  })
})

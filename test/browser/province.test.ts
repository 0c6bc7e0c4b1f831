/**
 * The province's dashboard in Debian's Chromium, over a real PostgreSQL 15 fed by two real
 * centre gateways forwarding their presses: the province admin logs in, sees today's counts
 * per centre (a new press shows within seconds), the ranking, and drills down province ->
 * centre -> counter -> officer, each figure equal to the central store's; a head of centre X
 * sees nothing of centre Y, on the pages and in the API; every page fits a 360 px phone and
 * passes axe-core without serious or critical violations. Screenshots go to test-artifacts/.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { registerCleanup } from '../helpers/cleanup.ts'
import { ARTIFACTS, launchBrowser } from './browser.ts'
import {
  CENTRES,
  login as loginAt,
  range,
  rowCounts,
  startProvince,
  unitFigures,
  type Province,
} from './province-fixture.ts'

const AXE = readFileSync(join(process.cwd(), 'node_modules/axe-core/axe.min.js'), 'utf8')

let province: Province
let base: string
let browser: Browser
let stored: Province['stored']
let boxes: Province['boxes']

beforeAll(async () => {
  province = await startProvince()
  ;({ base, stored, boxes } = province)
  browser = await launchBrowser()
}, 240_000)

async function newPage(
  viewport = { width: 1366, height: 768 },
  opts: { bypassCSP?: boolean } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'vi-VN', ...opts })
  registerCleanup(() => context.close())
  return context.newPage()
}

const login = (page: Page, username: string) => loginAt(page, base, username)

describe('province dashboard', () => {
  it(
    'logs the province admin in (Vietnamese), shows today per centre, and a new press within seconds',
    { timeout: 120_000 },
    async () => {
      const page = await newPage()
      await login(page, 'tinh')
      expect(await page.locator('#top nav').innerText()).toContain('Xếp hạng')
      for (const c of Object.keys(CENTRES))
        expect(await rowCounts(page, '#live-centres', c)).toEqual(
          await stored('centre_id = $1', [c]),
        )
      await page.selectOption('#live-centre', 'x')
      await page.waitForSelector('#live-officers tr[data-key="an"]')
      expect(await rowCounts(page, '#live-officers', 'an')).toEqual(
        await stored("centre_id = 'x' AND officer_id = 'an'", []),
      )
      const before = (await rowCounts(page, '#live-centres', 'y')).negative
      const pressed = Date.now()
      await boxes.y[1].press('negative')
      await expect
        .poll(async () => (await rowCounts(page, '#live-centres', 'y')).negative, {
          timeout: 20_000,
          interval: 200,
        })
        .toBe(before + 1)
      console.log(
        `a press forwarded showed on the province's live page after ${Date.now() - pressed} ms`,
      )
      await page.screenshot({ path: join(ARTIFACTS, 'province-live-desktop.png'), fullPage: true })
    },
  )

  it(
    'ranks centres and officers, drills down to an officer, each figure equal to the store, with CSV',
    { timeout: 120_000 },
    async () => {
      const page = await newPage()
      await login(page, 'tinh')
      await page.goto(`${base}/ranking?by=centre&${range()}`)
      await page.waitForSelector('#ranking-table tr[data-key="x"]')
      for (const c of Object.keys(CENTRES))
        expect(await rowCounts(page, '#ranking-table', c)).toEqual(
          await stored('centre_id = $1', [c]),
        )
      // y: 17 of 18 satisfied; x: 18 of 24. y ranks first.
      expect(
        await page
          .locator('#ranking-table tbody tr')
          .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.key)),
      ).toEqual(['y', 'x'])
      const csv = await page.request.get(
        base + (await page.locator('#ranking-csv').getAttribute('href'))!,
      )
      expect(csv.headers()['content-type']).toContain('text/csv')
      const x = await stored("centre_id = 'x'", [])
      expect(await csv.text()).toContain(
        `,x,${CENTRES.x},${CENTRES.x},${x.positive},${x.neutral},${x.negative},${x.total},`,
      )
      await page.screenshot({
        path: join(ARTIFACTS, 'province-ranking-desktop.png'),
        fullPage: true,
      })

      // Province -> centre x
      await page.click('#ranking-table tr[data-key="x"] a')
      await page.waitForSelector('#drill-table tr[data-key="q1"]')
      expect(await page.locator('#drill-title').innerText()).toContain(CENTRES.x)
      expect(await unitFigures(page)).toEqual(x)
      for (const q of ['q1', 'q2'])
        expect(await rowCounts(page, '#drill-table', q)).toEqual(
          await stored("centre_id = 'x' AND counter_id = $1", [q]),
        )
      await page.screenshot({
        path: join(ARTIFACTS, 'province-centre-desktop.png'),
        fullPage: true,
      })
      // -> counter q1
      await page.click('#drill-table tr[data-key="q1"] a')
      await page.waitForSelector('#drill-table tr[data-key="x/an"]')
      expect(await unitFigures(page)).toEqual(
        await stored("centre_id = 'x' AND counter_id = 'q1'", []),
      )
      expect(await rowCounts(page, '#drill-table', 'x/an')).toEqual(
        await stored("centre_id = 'x' AND counter_id = 'q1' AND officer_id = 'an'", []),
      )
      // -> officer An of x
      await page.click('#drill-table tr[data-key="x/an"] a')
      await page.waitForSelector('#drill-table tr[data-key="x/q1"]')
      expect(await page.locator('#drill-title').innerText()).toContain('Nguyễn Văn An')
      expect(await unitFigures(page)).toEqual(
        await stored("centre_id = 'x' AND officer_id = 'an'", []),
      )
      expect(await page.locator('.trail').innerText()).toMatch(
        /Toàn tỉnh[\s›]*Phường Tân Định[\s›]*Quầy 1[\s›]*Nguyễn Văn An/,
      )
      await page.screenshot({
        path: join(ARTIFACTS, 'province-officer-desktop.png'),
        fullPage: true,
      })
      // Back up the trail to the province.
      await page.click('.trail a >> text=Toàn tỉnh')
      await page.waitForSelector('#drill-table tr[data-key="y"]')
      expect(await unitFigures(page)).toEqual(await stored('true', []))

      // Officers province-wide: An of x and An of y are two people (no staff code).
      await page.goto(`${base}/ranking?by=officer&${range()}`)
      await page.waitForSelector('#ranking-table tr[data-key="y/binh"]')
      expect(await rowCounts(page, '#ranking-table', 'y/binh')).toEqual(
        await stored("centre_id = 'y' AND officer_id = 'binh'", []),
      )
      expect(await rowCounts(page, '#ranking-table', 'x/an')).toEqual(
        await stored("centre_id = 'x' AND officer_id = 'an'", []),
      )
    },
  )

  it(
    'shows a head of centre X nothing of centre Y, on the pages and in the API',
    { timeout: 120_000 },
    async () => {
      const page = await newPage()
      await login(page, 'head-x')
      expect(
        await page
          .locator('#live-centres tbody tr[data-key]')
          .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.key)),
      ).toEqual(['x'])
      expect(await page.locator('body').innerText()).not.toContain(CENTRES.y)
      await page.goto(`${base}/ranking?by=centre&${range()}`)
      await page.waitForSelector('#ranking-table tr[data-key="x"]')
      expect(await page.locator('#ranking-table tbody tr').count()).toBe(1)
      await page.goto(`${base}/ranking?by=officer&${range()}`)
      await page.waitForSelector('#ranking-table tr[data-key="x/an"]')
      expect(await page.locator('#ranking-table tbody tr[data-key^="y/"]').count()).toBe(0)
      // The drill-down starts at their centre; the province level and centre Y are not there.
      await page.goto(`${base}/drill?${range()}`)
      await page.waitForSelector('#drill-table tr[data-key="q1"]')
      expect(page.url()).toContain('centre=x')
      expect(await unitFigures(page)).toEqual(await stored("centre_id = 'x'", []))
      expect(await page.locator('.trail').innerText()).not.toContain('Toàn tỉnh')
      await page.goto(`${base}/drill?centre=y&${range()}`)
      await page.waitForSelector('#drill-table')
      expect(page.url()).toContain('centre=x')
      await page.goto(`${base}/drill?officer=${encodeURIComponent('y/binh')}&${range()}`)
      await page.waitForSelector('#drill-results .error')
      expect(await page.locator('body').innerText()).not.toContain(CENTRES.y)
      await page.screenshot({
        path: join(ARTIFACTS, 'province-head-refused-desktop.png'),
        fullPage: true,
      })
      // The way back leads to their own centre.
      await page.click('#drill-home')
      await page.waitForSelector('#drill-table tr[data-key="q1"]')
      expect(page.url()).toContain('centre=x')
      for (const url of [
        `/api/drill?centre=y&${range()}`,
        `/api/drill?centre=y&counter=q1&${range()}`,
        `/api/drill?officer=y%2Fbinh&${range()}`,
        '/api/live?centre=y',
        `/api/ranking?centre=y&${range()}`,
      ]) {
        const r = await page.request.get(base + url)
        expect(r.status(), url).toBe(404)
        expect(await r.text()).not.toContain(CENTRES.y)
      }
      for (const url of [
        '/api/live',
        `/api/ranking?by=officer&${range()}`,
        `/api/ranking?${range()}&format=csv`,
        `/api/drill?${range()}&format=csv`,
      ]) {
        const body = await (await page.request.get(base + url)).text()
        expect(body, url).not.toContain(CENTRES.y)
        expect(body, url).not.toContain('"y"')
      }
      await page.screenshot({
        path: join(ARTIFACTS, 'province-head-centre-desktop.png'),
        fullPage: true,
      })
    },
  )

  it('lets oversight read the province and change nothing', async () => {
    const page = await newPage()
    await login(page, 'hdnd')
    expect(await page.locator('#live-centres tbody tr[data-key]').count()).toBe(2)
    const csrf = (await page.context().cookies()).find((c) => c.name === 'cd_csrf')!.value
    for (const [method, url] of [
      ['POST', '/api/ranking'],
      ['PUT', '/api/live'],
      ['DELETE', '/api/drill'],
      ['POST', '/api/centres'],
    ] as const) {
      const r = await page.request.fetch(base + url, {
        method,
        headers: { 'x-csrf-token': csrf, 'content-type': 'application/json' },
        data: '{}',
      })
      expect(r.status(), `${method} ${url}`).toBe(404)
    }
    // Logging out ends the session: the pages send the user back to the login page.
    await page.click('#logout')
    await page.waitForURL(/\/login$/)
    await page.goto(base + '/drill')
    await page.waitForURL(/\/login$/)
    expect((await page.request.get(base + '/api/live')).status()).toBe(401)
  })

  it(
    'fits a 360 px phone, in Vietnamese and English, without serious or critical axe-core violations',
    { timeout: 180_000 },
    async () => {
      const problems: string[] = []
      const pages: Array<[string, string, string]> = [
        ['login', '/login', '#login-button'],
        ['live', '/live', '#live-centres tr[data-key="x"]'],
        ['ranking', `/ranking?by=officer&${range()}`, '#ranking-table tr[data-key="x/an"]'],
        ['centre', `/drill?centre=x&${range()}`, '#drill-officers tr[data-key="x/an"]'],
        [
          'officer',
          `/drill?centre=x&counter=q1&officer=x%2Fan&${range()}`,
          '#drill-table tr[data-key="x/q1"]',
        ],
      ]
      for (const [viewport, tag] of [
        [{ width: 360, height: 740 }, '360'],
        [{ width: 1366, height: 768 }, 'desktop'],
      ] as const) {
        const page = await newPage(viewport, { bypassCSP: true })
        for (const language of ['vi', 'en']) {
          for (const [name, path, ready] of pages) {
            if (name === 'login') await page.context().clearCookies()
            if (name === 'live') await login(page, 'tinh')
            if (language === 'en')
              await page.evaluate(() => localStorage.setItem('chamdiem.lang', 'en'))
            await page.goto(base + path)
            await page.waitForSelector(ready)
            await page.waitForTimeout(200)
            if (language === 'en')
              expect(await page.locator('html').getAttribute('lang')).toBe('en')
            if (tag === '360') {
              const { scroll, client } = await page.evaluate(() => ({
                scroll: document.scrollingElement!.scrollWidth,
                client: document.scrollingElement!.clientWidth,
              }))
              if (scroll > client)
                problems.push(
                  `${name} (${language}): scrollWidth ${scroll} > clientWidth ${client} at 360 px`,
                )
              await page.evaluate(AXE)
              const violations = (await page.evaluate(() =>
                (
                  window as unknown as {
                    axe: {
                      run(): Promise<{
                        violations: Array<{
                          id: string
                          impact: string
                          nodes: Array<{ target: unknown }>
                        }>
                      }>
                    }
                  }
                ).axe
                  .run()
                  .then((r) =>
                    r.violations.map((v) => ({
                      id: v.id,
                      impact: v.impact,
                      nodes: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3),
                    })),
                  ),
              )) as Array<{ id: string; impact: string; nodes: string[] }>
              for (const v of violations)
                if (v.impact === 'serious' || v.impact === 'critical')
                  problems.push(`${name} (${language}): ${v.impact} ${v.id} ${v.nodes.join(' ')}`)
            }
            await page.screenshot({
              path: join(ARTIFACTS, `province-${name}-${language}-${tag}.png`),
              fullPage: true,
            })
          }
          await page.evaluate(() => localStorage.removeItem('chamdiem.lang'))
        }
      }
      expect(problems).toEqual([])
    },
  )
})

/**
 * The province for the browser tests: a real PostgreSQL 15 fed by two real centre gateways
 * (x and y, each with box-1 at q1 where An is on shift and box-2 at q2 with Bình) forwarding
 * their presses, the province's server over it with an admin, a head of x and an oversight
 * account, and helpers that read figures from the pages and from the store.
 */
import { isDeepStrictEqual } from 'node:util'
import pg from 'pg'
import type { Page } from 'playwright-core'
import { hashPassword } from '../../gateway/http/accounts.ts'
import { localTime } from '../../gateway/local-time.ts'
import { buildProvinceApp } from '../../gateway/central/province-server.ts'
import { startCentralDb, type CentralDb } from '../central/central-db.ts'
import {
  PressingBox,
  centralCounts,
  localCounts,
  startCentreGateway,
} from '../central/centre-gateway.ts'
import type { TestGateway } from '../helpers/gateway.ts'
import { registerCleanup } from '../helpers/cleanup.ts'

export const TZ = 'Asia/Ho_Chi_Minh'
export const PASSWORD = 'a long test password'
export const CENTRES = { x: 'Phường Tân Định', y: 'Xã Bình Hưng' }
type Rating = 'positive' | 'neutral' | 'negative'
export type Counts = { positive: number; neutral: number; negative: number; total: number }

export interface Province {
  base: string
  db: CentralDb
  gateways: Record<string, TestGateway>
  boxes: Record<string, PressingBox[]>
  /** The central store's counts (repeats left out) for a WHERE on presses. */
  stored(where: string, params?: unknown[]): Promise<Counts>
}

// The presses of the tests all fall on this day (the gateways and the server keep the real clock).
export const today = () => localTime(Date.now(), TZ).date
export const range = () => `from=${today()}&to=${today()}`

/** Presses on the centres' boxes, then waits until the central store holds what each gateway stored. */
async function pressAll(p: Province, plan: Record<string, Rating[][]>) {
  for (const [centre, perBox] of Object.entries(plan))
    for (const [i, ratings] of perBox.entries())
      for (const r of ratings) await p.boxes[centre][i].press(r)
  for (const centre of Object.keys(plan)) {
    const want = localCounts(p.gateways[centre])
    for (
      let waited = 0;
      !isDeepStrictEqual(await centralCounts(p.db.pg.url(), centre), want);
      waited += 200
    ) {
      if (waited > 60_000)
        throw new Error(`centre ${centre}: the central store never caught up with the gateway`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

const times = (n: number, v: Rating): Rating[] => Array.from({ length: n }, () => v)

export async function startProvince(): Promise<Province> {
  const db = await startCentralDb()
  const gateways: Record<string, TestGateway> = {}
  const boxes: Record<string, PressingBox[]> = {}
  for (const [id, name] of Object.entries(CENTRES)) {
    gateways[id] = await startCentreGateway(await db.addCentre(id, name), id)
    boxes[id] = [
      await PressingBox.connect(gateways[id], 'box-1'),
      await PressingBox.connect(gateways[id], 'box-2'),
    ]
  }
  const reader = new pg.Pool({ connectionString: await db.addReader('province_ui') })
  registerCleanup(() => reader.end())
  const stored = async (where: string, params: unknown[] = []): Promise<Counts> => {
    const { rows } = await reader.query<{ rating: Rating; n: string }>(
      `SELECT rating, count(*) AS n FROM chamdiem.presses WHERE NOT repeat AND ${where} GROUP BY 1`,
      params,
    )
    const c = { positive: 0, neutral: 0, negative: 0, total: 0 }
    for (const r of rows) {
      c[r.rating] = Number(r.n)
      c.total += Number(r.n)
    }
    return c
  }
  const province: Province = { base: '', db, gateways, boxes, stored }
  await pressAll(province, {
    x: [
      [...times(9, 'positive'), ...times(3, 'neutral'), 'negative'],
      [...times(6, 'positive'), ...times(5, 'negative')],
    ],
    y: [
      [...times(4, 'positive'), 'neutral'],
      [...times(10, 'positive'), ...times(2, 'neutral')],
    ],
  })
  const users = await Promise.all(
    [
      { username: 'tinh', role: 'admin' as const },
      { username: 'head-x', role: 'head' as const, centre: 'x' },
      { username: 'hdnd', role: 'oversight' as const },
    ].map(async (u) => ({ ...u, password: await hashPassword(PASSWORD) })),
  )
  const app = await buildProvinceApp({ pool: reader, users, timeZone: TZ })
  registerCleanup(() => app.close())
  province.base = await app.listen({ host: '127.0.0.1', port: 0 })
  return province
}

/** Logs in through the login page (sent there from another page) and waits for the live view. */
export async function login(page: Page, base: string, username: string) {
  await page.goto(base + '/ranking')
  await page.waitForURL(/\/login$/)
  await page.fill('#username', username)
  await page.fill('#password', PASSWORD)
  await page.click('#login-button')
  await page.waitForURL(/\/live$/)
  await page.waitForSelector('#live-centres tbody tr[data-key]')
}

/** A table row's counts as the page shows them (no thousands separators below 1000). */
export async function rowCounts(page: Page, table: string, key: string): Promise<Counts> {
  const row = page.locator(`${table} tr[data-key="${key}"]`)
  const cell = async (f: string) => Number(await row.locator(`[data-field="${f}"]`).innerText())
  return {
    positive: await cell('positive'),
    neutral: await cell('neutral'),
    negative: await cell('negative'),
    total: await cell('total'),
  }
}

/** The figures of the unit a drill-down page is about. */
export async function unitFigures(page: Page): Promise<Counts> {
  const cell = async (f: string) =>
    Number(await page.locator(`#unit-figures [data-field="${f}"] strong`).innerText())
  return {
    positive: await cell('positive'),
    neutral: await cell('neutral'),
    negative: await cell('negative'),
    total: await cell('total'),
  }
}

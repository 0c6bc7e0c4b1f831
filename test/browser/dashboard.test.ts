/**
 * The dashboard end to end in headless Chromium (Debian's chromium driven by playwright-core;
 * no browser is downloaded): a real gateway on free loopback ports, real mqtt.js clients with
 * provisioned box credentials pressing, the page watched as a person would.
 * Screenshots go to test-artifacts/ (gitignored).
 */
import { describe, expect, it, beforeAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, type Page } from 'playwright-core'
import type { MqttClient } from 'mqtt'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { registerCleanup } from '../helpers/cleanup.ts'
import { OFFICE, SECRET } from '../helpers/office.ts'
import { pressTopic } from '../../protocol/index.ts'
import { Accounts } from '../../gateway/http/accounts.ts'
import { launchBrowser } from './browser.ts'

const ARTIFACTS = join(process.cwd(), 'test-artifacts')

let gw: TestGateway
let base: string
let admin: { username: string; password: string }
let browser: Browser

beforeAll(async () => {
  // The dashboard as `chamdiem gateway` wires it (gateway/parts.ts). pressAll sends counted
  // presses a few ms apart: no cooldown here (the gateway's cooldown, which a box's
  // "repeat": false cannot skip, is tested in test/gateway/press-rate.test.ts).
  gw = await startTestGateway({ registry: OFFICE, standardParts: true, config: { ingest: { cooldownMs: 0 } } })
  base = `http://127.0.0.1:${gw.gw.http!.port}`
  admin = gw.gw.notices.firstAdmin!
  expect(admin.password.length).toBeGreaterThanOrEqual(20)
  // The printed password must be changed at the first login (test/browser/admin.test.ts);
  // here the admin has done that already, keeping it for this test.
  const accounts = new Accounts(gw.gw.db)
  await accounts.update(accounts.list().find((u) => u.username === admin.username)!.id, { password: admin.password })
  browser = await launchBrowser()
})

async function newPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport, acceptDownloads: true, locale: 'vi-VN' })
  registerCleanup(() => context.close())
  const page = await context.newPage()
  return page
}

async function login(page: Page, username: string, password: string) {
  await page.goto(base + '/live')
  await page.waitForURL(/\/login$/)
  await page.fill('#username', username)
  await page.fill('#password', password)
  await page.click('#login-button')
  await page.waitForURL(/\/live$/)
  await page.waitForSelector('#live-officers')
}

let seq = 0
async function pressAll(box: MqttClient, boxId: string, ratings: Array<'positive' | 'neutral' | 'negative'>) {
  for (const rating of ratings) {
    // QoS 1: resolves on PUBACK, i.e. once the gateway has committed the press.
    await box.publishAsync(pressTopic(boxId), JSON.stringify({ seq: ++seq, boot: 'e2e', rating, ageMs: 0, repeat: false }), { qos: 1 })
  }
}

/** The counts shown in an officer's row of the live table. */
async function rowCounts(page: Page, officerId: string) {
  const row = page.locator(`#live-officers tbody tr[data-officer="${officerId}"]`)
  const cell = async (r: string) => Number((await row.locator(`td[data-rating="${r}"]`).innerText()).replace(/\D/g, ''))
  return { positive: await cell('positive'), neutral: await cell('neutral'), negative: await cell('negative'), total: await cell('total') }
}

async function waitForCounts(page: Page, officerId: string, expected: Record<string, number>) {
  await expect.poll(() => rowCounts(page, officerId), { timeout: 10_000, interval: 100 }).toEqual(expected)
}

describe('dashboard in a browser', () => {
  it('live view follows real presses, duty changes who gets them, CSV and language work', async () => {
    const page = await newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    await login(page, admin.username, admin.password)

    // Vietnamese by default.
    await expect.poll(() => page.locator('#live-officers thead').innerText()).toContain('Rất hài lòng')

    const box1 = await gw.connectBox('box-1', SECRET('box-1'))
    await expect.poll(() => page.locator('[data-box="box-1"]').getAttribute('data-state'), { timeout: 10_000 }).toBe('online')

    // Sign An in at Quầy 1 through the page.
    const q1 = page.locator('.counter[data-counter="q1"]')
    await q1.locator('select.duty-officer').selectOption('an')
    await q1.locator('button.sign-in').click()
    await expect.poll(() => q1.locator('.on-duty').getAttribute('data-officer')).toBe('an')

    await pressAll(box1, 'box-1', ['positive', 'positive', 'positive', 'neutral', 'negative', 'negative'])
    await waitForCounts(page, 'an', { positive: 3, neutral: 1, negative: 2, total: 6 })

    // Binh takes over the counter: the next presses are hers, An's stay as they were.
    await q1.locator('select.duty-officer').selectOption('binh')
    await q1.locator('button.sign-in').click()
    await expect.poll(() => q1.locator('.on-duty').getAttribute('data-officer')).toBe('binh')
    await pressAll(box1, 'box-1', ['positive', 'positive', 'neutral'])
    await waitForCounts(page, 'binh', { positive: 2, neutral: 1, negative: 0, total: 3 })
    await waitForCounts(page, 'an', { positive: 3, neutral: 1, negative: 2, total: 6 })
    // A repeat (within the box's cooldown) is stored but not counted.
    await box1.publishAsync(pressTopic('box-1'), JSON.stringify({ seq: ++seq, boot: 'e2e', rating: 'negative', ageMs: 0, repeat: true }), { qos: 1 })
    await pressAll(box1, 'box-1', ['negative'])
    await waitForCounts(page, 'binh', { positive: 2, neutral: 1, negative: 1, total: 4 })
    // A message that cannot be counted shows up as an alert, live.
    await box1.publishAsync(pressTopic('box-1'), 'not json at all', { qos: 1 })
    await expect.poll(() => page.locator('#alerts li[data-kind="rejected"]').innerText(), { timeout: 10_000 }).toContain('box-1')
    // The page agrees with a fresh load (nothing double counted by the live stream).
    await page.reload()
    await page.waitForSelector('#live-officers')
    await waitForCounts(page, 'binh', { positive: 2, neutral: 1, negative: 1, total: 4 })
    await waitForCounts(page, 'an', { positive: 3, neutral: 1, negative: 2, total: 6 })
    await page.screenshot({ path: join(ARTIFACTS, 'live.png'), fullPage: true })

    // English on request; numbers and words follow.
    await page.selectOption('#lang', 'en')
    await expect.poll(() => page.locator('#live-officers thead').innerText()).toContain('Very satisfied')
    await expect.poll(() => page.locator('#top nav').innerText()).toContain('Reports')
    await page.screenshot({ path: join(ARTIFACTS, 'live-en.png'), fullPage: true })
    await page.selectOption('#lang', 'vi')
    await expect.poll(() => page.locator('#top nav').innerText()).toContain('Báo cáo')

    // Reports: today, by officer; the CSV has the same rows.
    await page.click('#top nav a[href="/reports"]')
    await page.waitForSelector('#report-table tbody tr[data-key="an"]')
    const an = page.locator('#report-table tbody tr[data-key="an"]')
    expect(await an.locator('td[data-field="total"]').innerText()).toBe('6')
    expect(await page.locator('#report-table tbody tr[data-key="binh"] td.rank').innerText()).toMatch(/Quá ít đánh giá/)
    await page.waitForSelector('#report-chart .bar')
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true })
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv-link')])
    const csv = readFileSync((await download.path())!)
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const lines = csv.toString('utf8').replace(/^\uFEFF/, '').trim().split('\r\n')
    expect(lines[0]).toMatch(/^Hạng,Mã,Họ và tên,Rất hài lòng,Hài lòng,Không hài lòng,Tổng số,Bấm lặp/)
    const byKey = Object.fromEntries(lines.slice(1).map((l) => [l.split(',')[1], l.split(',')]))
    expect(byKey.an.slice(2, 8)).toEqual(['Nguyễn Văn An', '3', '1', '2', '6', '0'])
    expect(byKey.binh.slice(2, 8)).toEqual(['Trần Thị Bình', '2', '1', '1', '4', '1'])
    expect(byKey['Tổng cộng'].slice(3, 8)).toEqual(['5', '2', '3', '10', '1'])

    // The printable report of the office for the period shown (this month), in the official layout.
    await page.click('#print-quarter')
    await page.waitForSelector('#quarterly table.report')
    expect(await page.locator('#quarterly h1').innerText()).toMatch(/^BÁO CÁO\s[\s\S]*Tháng \d{1,2} năm \d{4}$/)
    await page.emulateMedia({ media: 'print' })
    await page.screenshot({ path: join(ARTIFACTS, 'quarterly-print.png'), fullPage: true })
    await page.emulateMedia({ media: 'screen' })

    expect(errors).toEqual([])
  })

  it('works on a phone screen and an office head sees only their office', async () => {
    const adminPage = await newPage()
    await login(adminPage, admin.username, admin.password)
    // Create an office head through the admin page.
    await adminPage.goto(base + '/admin#users')
    await adminPage.waitForSelector('#user-form')
    await adminPage.fill('#user-form [name=username]', 'truongphong')
    await adminPage.fill('#user-form [name=password]', 'mat-khau-rat-dai')
    await adminPage.selectOption('#user-form [name=role]', 'head')
    await adminPage.selectOption('#user-form [name=officeId]', 'hcc')
    await adminPage.click('#user-form button[type=submit]')
    await adminPage.waitForSelector('#users-table tr[data-user="truongphong"]')
    // Provision a box: the secret is shown once and lets that box connect.
    await adminPage.goto(base + '/admin#boxes')
    await adminPage.waitForSelector('#box-form')
    await adminPage.fill('#box-form [name=id]', 'box-new')
    await adminPage.selectOption('#box-form [name=counter]', 'q2')
    await adminPage.click('#box-form button[type=submit]')
    const secret = await adminPage.locator('#new-secret').innerText()
    await adminPage.screenshot({ path: join(ARTIFACTS, 'admin-boxes.png'), fullPage: true })
    expect(secret.length).toBeGreaterThanOrEqual(24)
    const newBox = await gw.connectBox('box-new', secret)
    expect(newBox.connected).toBe(true)

    // Every admin tab renders without a script error; the shift schedule takes a new shift.
    const errors: string[] = []
    adminPage.on('pageerror', (e) => errors.push(e.message))
    for (const tab of ['offices', 'counters', 'officers', 'boxes', 'duty', 'shifts', 'users', 'alertSettings']) {
      await adminPage.click(`.tabs a[data-tab="${tab}"]`)
      await adminPage.waitForSelector(`.tabs a.active[data-tab="${tab}"]`)
      await adminPage.waitForSelector('#admin-body form, #shift-grid')
    }
    // The shift schedule is a weekly grid per counter (test/browser/admin.test.ts has more).
    await adminPage.click('.tabs a[data-tab="shifts"]')
    await adminPage.waitForSelector('#shift-grid')
    await adminPage.selectOption('#shift-counter', 'q2')
    await adminPage.waitForSelector('#shift-grid caption:has-text("Quầy 2")')
    await adminPage.selectOption('#shift-grid select[data-day="3"][data-slot="morning"]', 'cuong')
    await adminPage.click('#save-week')
    await expect.poll(() => gw.gw.registry.shifts('q2').map((x) => `${x.weekday} ${x.officerId}`)).toEqual(['3 cuong'])
    await expect.poll(() => adminPage.locator('#shift-grid select[data-day="3"][data-slot="morning"]').inputValue()).toBe('cuong')
    await adminPage.screenshot({ path: join(ARTIFACTS, 'admin-shifts.png'), fullPage: true })
    expect(errors).toEqual([])

    const phone = await newPage({ width: 390, height: 844 })
    await login(phone, 'truongphong', 'mat-khau-rat-dai')
    await phone.waitForSelector('.counter[data-counter="q2"]')
    expect(await phone.locator('#office').count()).toBe(0)
    // No horizontal scrolling of the page on a phone.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await phone.screenshot({ path: join(ARTIFACTS, 'live-phone.png'), fullPage: true })
  })
})

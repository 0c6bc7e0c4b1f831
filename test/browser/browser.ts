/**
 * Debian's Chromium for the browser tests (playwright-core, no downloaded browser): launched
 * once per file with its cleanup registered, pages in their own contexts, and the login a
 * person does.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { registerCleanup } from '../helpers/cleanup.ts'

export const ARTIFACTS = join(process.cwd(), 'test-artifacts')

export async function launchBrowser(): Promise<Browser> {
  // Chromium hangs with libfaketime preloaded: the browser keeps the machine's own clock.
  const { LD_PRELOAD: _preload, FAKETIME: _faketime, ...env } = process.env
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    env,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
  registerCleanup(() => browser.close())
  mkdirSync(ARTIFACTS, { recursive: true })
  return browser
}

export async function newPage(browser: Browser, viewport = { width: 1366, height: 768 }): Promise<Page & { context(): BrowserContext }> {
  const context = await browser.newContext({ viewport, locale: 'vi-VN' })
  registerCleanup(() => context.close())
  return context.newPage()
}

/** Logs in through the login page and waits for the live view. */
export async function login(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(base + '/live')
  await page.waitForURL(/\/login/)
  await page.fill('#username', username)
  await page.fill('#password', password)
  await page.click('#login-button')
  await page.waitForURL(/\/live$/)
  await page.waitForSelector('#live-officers')
}

/** A state-changing API call from the page's session, with its CSRF token (as the page's own script sends it). */
export async function apiCall(page: Page, method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return page.evaluate(
    async ({ method, url, body }) => {
      const csrf = document.cookie.split('; ').find((c) => c.startsWith('cd_csrf='))?.slice(8) ?? ''
      const headers: Record<string, string> = { 'x-csrf-token': decodeURIComponent(csrf) }
      if (body !== undefined) headers['content-type'] = 'application/json'
      const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
      const text = await res.text()
      return { status: res.status, json: text ? JSON.parse(text) : null }
    },
    { method, url, body },
  )
}

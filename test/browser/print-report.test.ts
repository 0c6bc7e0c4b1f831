/**
 * Issue 17 item 3: the report a unit prints, in the official layout, printed by real Chromium
 * (Debian's, via playwright-core) to PDF and read back page by page as the province would see
 * it: A4 portrait pages (pdfinfo), each page rendered (pdftoppm -r 50) and its text extracted
 * (pdftotext -layout): the national title, motto, unit, number and date on page 1; the
 * signature blocks on the last; every officer's name whole on one line; the figures of the report.
 * PDF and page images go to test-artifacts/ (gitignored).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { localMidnight } from '../../gateway/local-time.ts'
import { tempDir } from '../helpers/tmp.ts'
import { PASSWORD, startTestApp } from '../http/app-helper.ts'
import { launchBrowser, login } from './browser.ts'

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'print')
const TZ = 'Asia/Ho_Chi_Minh'
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng']
const MIDDLE = ['Thị Phương', 'Văn', 'Ngọc', 'Thị Thanh', 'Hữu', 'Minh']
const GIVEN = ['Thảo', 'Khánh Linh', 'Quốc Bảo', 'Xuân Trường', 'Hồng Nhung', 'Đức Thắng', 'Kim Ngân']

describe('printed report', () => {
  it('prints on A4 portrait pages with the official header on page 1, the signatures, and no name split across lines', async () => {
    const t = await startTestApp({
      config: {
        report: {
          authority: 'UBND PHƯỜNG BẾN THÀNH',
          unit: 'Trung tâm Phục vụ hành chính công phường Bến Thành',
          place: 'Bến Thành',
          number: 'Số: 125/BC-TTPVHCC',
          signatories: [
            { role: 'Người lập báo cáo', name: 'Trần Thị Bình' },
            { role: 'Giám đốc', name: 'Nguyễn Văn An' },
          ],
        },
      },
    })
    // 36 more officers with long names, each rated in Q3 2026, so the tables run over pages.
    const names: string[] = []
    const addOfficer = t.db.prepare("INSERT INTO officers (id, office_id, name) VALUES (?, 'hcc', ?)")
    const addPress = t.db.prepare(
      "INSERT INTO presses (box_id, boot, seq, rating, repeat, received_at, age_ms, time_ms, office_id, counter_id, officer_id) VALUES ('box-1', 'p', ?, ?, 0, ?, 0, ?, 'hcc', 'q1', ?)",
    )
    let seq = 0
    const start = localMidnight('2026-07-01', TZ)
    for (let i = 0; i < 36; i++) {
      // One name long enough that a table would wrap it, were names allowed to wrap.
      const name = i === 3 ? 'Tôn Nữ Thị Phương Thảo Nguyên Khánh Hồng Ngọc Diễm' : `${FAMILY[i % 10]} ${MIDDLE[i % 6]} ${GIVEN[i % 7]}`
      names.push(name)
      addOfficer.run(`cb${i}`, name)
      for (let k = 0; k < 5 + i; k++) {
        const time = start + ((k * 7 + i) % 92) * 86_400_000 + 9 * 3_600_000
        addPress.run(++seq, k % 6 === 5 ? 'negative' : k % 3 === 0 ? 'neutral' : 'positive', time, time, `cb${i}`)
      }
    }
    // The last press of the quarter, at 23:59 office time on 30 September, counts in it.
    const last = localMidnight('2026-10-01', TZ) - 60_000
    addPress.run(++seq, 'positive', last, last, 'cb0')
    const report = (await (await t.login('admin')).request('GET', '/api/reports?period=2026-Q3&office=hcc&by=officer')).json()
    expect(report.totals.total).toBe(seq)

    const browser = await launchBrowser()
    const page = await (await browser.newContext({ locale: 'vi-VN' })).newPage()
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    await login(page, base, 'admin', PASSWORD)
    await page.goto(base + '/print?office=hcc&period=2026-Q3&date=2026-10-05')
    await page.waitForSelector('#quarterly table.official-table tbody tr[data-key="cb35"]')
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true })

    rmSync(ARTIFACTS, { recursive: true, force: true }) // no page images of an earlier run
    mkdirSync(ARTIFACTS, { recursive: true })
    const dir = tempDir()
    const file = join(dir, 'report.pdf')
    writeFileSync(file, pdf)
    writeFileSync(join(ARTIFACTS, 'report.pdf'), pdf)
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' })
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info)![1])
    // A4 is 595.28 x 841.89 points, portrait (Chromium rounds to its own units: 594.96 x 841.92).
    const [, w, hgt] = /^Page size:\s+([\d.]+) x ([\d.]+) pts \(A4\)/m.exec(info)!.map(Number)
    expect(Math.abs(w - 595.28)).toBeLessThan(1)
    expect(Math.abs(hgt - 841.89)).toBeLessThan(1)
    expect(pages).toBeGreaterThanOrEqual(2)
    execFileSync('pdftoppm', ['-r', '50', '-png', file, join(ARTIFACTS, 'page')])
    expect(readdirSync(ARTIFACTS).filter((f) => /^page-\d+\.png$/.test(f))).toHaveLength(pages)
    // Text per page: in reading order (the header's two columns one after the other) and as laid out (a table row per line).
    const text = (n: number, layout: boolean) => execFileSync('pdftotext', [...(layout ? ['-layout'] : []), '-f', String(n), '-l', String(n), file, '-'], { encoding: 'utf8' })
    const perPage = Array.from({ length: pages }, (_, i) => text(i + 1, true))
    const flat = (s: string) => s.replace(/\s+/g, ' ')

    // Page 1's header, its two columns cropped apart (points from the top left, pdftotext's default 72 dpi).
    const region = (x: number, w: number) => flat(execFileSync('pdftotext', ['-f', '1', '-l', '1', '-x', String(x), '-y', '0', '-W', String(w), '-H', '170', file, '-'], { encoding: 'utf8' }))
    // The columns meet where the national title starts (font metrics differ between machines).
    const bbox = execFileSync('pdftotext', ['-f', '1', '-l', '1', '-bbox', file, '-'], { encoding: 'utf8' })
    const split = Math.floor(Number(/<word xMin="([\d.]+)"[^>]*>CỘNG<\/word>/.exec(bbox)![1])) - 1
    const issuer = region(0, split)
    const nation = region(split, 595 - split)
    expect(issuer).toContain('UBND PHƯỜNG BẾN THÀNH')
    expect(issuer).toContain('TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG PHƯỜNG BẾN THÀNH')
    expect(issuer).toContain('Số: 125/BC-TTPVHCC')
    expect(nation).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc Bến Thành, ngày 05 tháng 10 năm 2026')
    const first = flat(text(1, false))
    for (const s of ['BÁO CÁO', 'Quý III năm 2026', 'từ ngày 01/07/2026 đến ngày 30/09/2026', `Tổng số lượt đánh giá: ${new Intl.NumberFormat('vi-VN').format(seq)}`]) {
      expect(first, s).toContain(s)
    }
    // The signature blocks, together on the last page, never split from each other.
    const lastPage = flat(text(pages, false))
    for (const s of ['Nơi nhận:', 'NGƯỜI LẬP BÁO CÁO', 'GIÁM ĐỐC', '(Ký, ghi rõ họ tên)', 'Trần Thị Bình', 'Nguyễn Văn An']) expect(lastPage, s).toContain(s)
    // Every officer's name whole on one line of some page, and the page header never repeats the national title.
    const lines = perPage.flatMap((p) => p.split('\n'))
    for (const name of names) expect(lines.some((l) => l.includes(name)), name).toBe(true)
    expect(perPage.slice(1).some((p) => p.includes('CỘNG HÒA XÃ HỘI'))).toBe(false)
    // The officer's total, as printed in the row: cb35 had 40 ratings.
    expect(lines.find((l) => l.includes(names[35]))).toMatch(/\b40\b/)
  }, 180_000)
})

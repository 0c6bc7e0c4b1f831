/**
 * One synthetic year of a province in the central store, loaded with COPY (issue 18, item 8):
 * `centres` centres of 6 to 14 counters, an officer at each (half of them with a province
 * staff code), 240 to 330 presses per centre on each weekday of 2026 between 07:30 and 17:00
 * local time: at 150 centres about 11M presses. Each officer has their own mix of ratings, so
 * the ranking has something to rank; 3% repeats and 2% unattributed presses, as in an office.
 *
 * Loaded one month per COPY (a CSV file the server reads), through the roll-up triggers
 * (schema.ts), so the roll-ups are built the way the forwarder builds them.
 */
import { chownSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type pg from 'pg'
import { localMidnight, localTime } from '../../gateway/local-time.ts'
import { prng } from '../../simulator/traffic.ts'

export const PROVINCE_YEAR = 2026
export const PROVINCE_TZ = 'Asia/Ho_Chi_Minh'

export interface ProvinceYear {
  centres: number
  officers: number
  presses: number
  generateMs: number
}

const COLUMNS = 'centre_id, gateway_id, box_id, boot, seq, rating, repeat, burst, received_at, age_ms, time_ms, office_id, counter_id, officer_id'

/** Loads the year into a migrated central store, as its owner; `serverDir` is readable by the server. */
export async function loadProvinceYear(admin: pg.Client, serverDir: string, centres: number, log: (l: string) => void): Promise<ProvinceYear> {
  const t0 = performance.now()
  const rnd = prng(18) // the simulator's mulberry32: the same province every run
  const staff: Array<{ counters: number; positive: number[]; neutral: number[] }> = []
  const centreRows: string[] = []
  const officerRows: string[] = []
  for (let c = 1; c <= centres; c++) {
    const id = `c${String(c).padStart(3, '0')}`
    const counters = 6 + Math.floor(rnd() * 9)
    centreRows.push(`('${id}', 'Trung tâm ${c}')`)
    const positive: number[] = []
    const neutral: number[] = []
    for (let o = 1; o <= counters; o++) {
      positive.push(0.55 + rnd() * 0.4)
      neutral.push(rnd() * 0.1)
      const code = rnd() < 0.5 ? `'CB-${c}-${o}'` : 'NULL'
      officerRows.push(`('${id}', 'o${o}', 'main', 'Cán bộ ${c}.${o}', true, ${code})`)
    }
    staff.push({ counters, positive, neutral })
  }
  await admin.query(`INSERT INTO chamdiem.centres (id, name) VALUES ${centreRows.join(', ')}`)
  await admin.query(`INSERT INTO chamdiem.officers (centre_id, id, office_id, name, active, staff_code) VALUES ${officerRows.join(', ')}`)

  const seqs = staff.map((s) => new Array<number>(s.counters).fill(0))
  const { uid, gid } = statSync(serverDir)
  let presses = 0
  for (let month = 1; month <= 12; month++) {
    const lines: string[] = []
    const first = localMidnight(`${PROVINCE_YEAR}-${String(month).padStart(2, '0')}-01`, PROVINCE_TZ)
    for (let day = first; localTime(day, PROVINCE_TZ).date.slice(5, 7) === String(month).padStart(2, '0'); day += 86_400_000) {
      if (localTime(day + 12 * 3600_000, PROVINCE_TZ).weekday > 5) continue
      for (let c = 0; c < centres; c++) {
        const s = staff[c]
        const n = 240 + Math.floor(rnd() * 91)
        for (let i = 0; i < n; i++) {
          const o = Math.floor(rnd() * s.counters)
          const seq = ++seqs[c][o]
          const t = day + 27_000_000 + Math.floor(rnd() * 34_200_000)
          const r = rnd()
          const rating = r < s.positive[o] ? 'positive' : r < s.positive[o] + s.neutral[o] ? 'neutral' : 'negative'
          const repeat = rnd() < 0.03 ? 't' : 'f'
          const officer = rnd() < 0.02 ? '' : `o${o + 1}`
          lines.push(`c${String(c + 1).padStart(3, '0')},${seq},box-${o + 1},boot-1,${seq},${rating},${repeat},f,${t},0,${t},main,q${o + 1},${officer}`)
        }
      }
    }
    const file = join(serverDir, `province-${month}.csv`)
    writeFileSync(file, lines.join('\n') + '\n')
    chownSync(file, uid, gid)
    presses += lines.length
    lines.length = 0
    // An empty officer_id is NULL (an unattributed press).
    await admin.query(`COPY chamdiem.presses (${COLUMNS}) FROM '${file}' WITH (FORMAT csv)`)
    unlinkSync(file)
    log(`  province year: month ${month} loaded, ${presses.toLocaleString('en-US')} presses so far, ${Math.round((performance.now() - t0) / 1000)} s`)
  }
  await admin.query('ANALYZE chamdiem.presses, chamdiem.daily_centres, chamdiem.daily_officers, chamdiem.officers, chamdiem.centres')
  return { centres, officers: officerRows.length, presses, generateMs: performance.now() - t0 }
}

/**
 * The province's rating scale (`chamdiem central serve --rating-scale`): a preset or a
 * gateway's ratingScale section from a file, checked as a gateway's config is; and how a press
 * at a level the province's scale lacks is counted (province-scale.ts, docs/central.md).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SCALE_PRESETS } from '../../protocol/index.ts'
import { loadProvinceScale, outsideLevels, provinceFigures } from '../../gateway/central/province-scale.ts'
import { chamdiem } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'

describe("the province's rating scale", () => {
  it('is a preset, or a ratingScale section of a file checked as a gateway checks it; three levels by default', async () => {
    expect(await loadProvinceScale(undefined)).toEqual(SCALE_PRESETS[3])
    expect(await loadProvinceScale('5')).toEqual(SCALE_PRESETS[5])
    const dir = tempDir()
    const own = join(dir, 'scale.yaml')
    writeFileSync(
      own,
      `ratingScale:
  levels:
    - { id: positive, label: Rất hài lòng, score: 100, satisfied: true }
    - { id: neutral, label: Hài lòng, score: 60, satisfied: true }
    - { id: negative, label: Chưa hài lòng, score: 0, satisfied: false }
`,
    )
    expect((await loadProvinceScale(own)).map((l) => [l.id, l.label, l.labelEn, l.score])).toEqual([
      ['positive', 'Rất hài lòng', 'Rất hài lòng', 100],
      ['neutral', 'Hài lòng', 'Hài lòng', 60],
      ['negative', 'Chưa hài lòng', 'Chưa hài lòng', 0],
    ])
    const preset = join(dir, 'preset.yaml')
    writeFileSync(preset, 'ratingScale: { preset: 4 }\n')
    expect(await loadProvinceScale(preset)).toEqual(SCALE_PRESETS[4])
    const worse = join(dir, 'worse.yaml')
    writeFileSync(worse, 'levels: [{ id: negative, label: A, score: 0, satisfied: false }, { id: positive, label: B, score: 100, satisfied: true }, { id: neutral, label: C, score: 50, satisfied: true }]\n')
    await expect(loadProvinceScale(worse)).rejects.toThrow(/best first/)
    await expect(loadProvinceScale('7')).rejects.toThrow('a preset is 3, 4 or 5 levels (got 7)')
  })

  it('refuses to serve on a scale that is not one', async () => {
    const dir = tempDir()
    const users = join(dir, 'users.yaml')
    writeFileSync(users, 'users: []\n')
    const r = await chamdiem(['central', 'serve', '--url', 'postgres://u:p@127.0.0.1:1/x', '--users', users, '--rating-scale', '6'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('--rating-scale: a preset is 3, 4 or 5 levels (got 6)')
  })

  it('counts a level the scale lacks in the total and against the rate, and scores only what the scale scores', () => {
    const c = { positive: 6, neutral: 2, fair: 1, negative: 0, 'very-negative': 1 }
    const five = provinceFigures(c, SCALE_PRESETS[5])
    expect(five).toMatchObject({ total: 10, scored: 10, satisfaction: 0.8, index: (600 + 150 + 50) / 10 })
    expect(five.outside).toBeUndefined()
    const three = provinceFigures(c, SCALE_PRESETS[3])
    expect(three).toMatchObject({ ...c, total: 10, scored: 8, satisfaction: 0.8, index: (600 + 100) / 8, tooFew: false, outside: { fair: 1, 'very-negative': 1 } })
    // The same satisfied presses with the outside ones left out would read 100 %: never that.
    expect(three.satisfaction).toBeLessThan(1)
    expect(outsideLevels([three], SCALE_PRESETS[3]).map((l) => [l.id, l.label])).toEqual([
      ['fair', 'Bình thường'],
      ['very-negative', 'Rất không hài lòng'],
    ])
    expect(outsideLevels([five], SCALE_PRESETS[5])).toEqual([])
  })
})

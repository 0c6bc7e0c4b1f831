/**
 * The gateway's own conditions reach the dashboard's alerts, for every office's head: an
 * unsynchronised clock (the guard's reading is given: no time service runs in this sandbox)
 * and a disk below its free-space threshold (a threshold no disk meets). Each condition has
 * its words in Vietnamese and English.
 */
import { describe, expect, it } from 'vitest'
import type { Alert, SystemAlert } from '../../gateway/alerts/alerts.ts'
import { visibleAlerts } from '../../gateway/http/live-hub.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE } from '../helpers/office.ts'

describe('system alerts', () => {
  it('shows an unsynchronised clock and a low disk to every dashboard', async () => {
    const t = await startTestGateway({
      registry: OFFICE,
      standardParts: true,
      readClockSync: async () => ({ synchronised: false, source: 'chrony' }),
      config: { storage: { minFreeMB: 1_000_000_000 } },
    })
    const alerts = t.gw.alerts!.refresh()
    const system = alerts.filter((a): a is Alert & SystemAlert => a.kind === 'system')
    expect(system.map((a) => a.condition)).toEqual(['clockUnsynced', 'diskLow'])
    expect(system[1]).toMatchObject({ minFreeMB: 1_000_000_000 })
    // A head of one office sees them too: they put that office's figures at risk.
    expect(visibleAlerts(alerts, 'hcc').filter((a) => a.kind === 'system')).toHaveLength(2)
  })

  it('has words for every condition in both languages', async () => {
    const store = new Map<string, string>()
    Object.assign(globalThis, { localStorage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => store.set(k, v) }, document: { documentElement: {} } })
    // The dashboard's own module, as the browser loads it (plain JavaScript, no types).
    const { t, setLang } = (await import('../../gateway/http/public/i18n.js' as string)) as { t: (key: string, vars?: object) => string; setLang: (l: string) => void }
    for (const lang of ['vi', 'en']) {
      setLang(lang)
      for (const condition of ['clockUnsynced', 'clockStepped', 'diskLow', 'backupFailed']) {
        const text = t(`alertSystem_${condition}`, { free: 12, min: 512, minutes: 120, direction: t('clockBack'), message: 'ENOSPC', source: 'chrony' })
        expect(text, `${lang} ${condition}`).not.toMatch(/alertSystem_|\{/)
      }
    }
    setLang('vi')
    expect(t('alertSystem_diskLow', { free: 12, min: 512 })).toBe('Ổ đĩa sắp đầy: còn 12 MB (ngưỡng 512 MB); khi hết chỗ, lượt bấm sẽ không được ghi nhận')
  })
})

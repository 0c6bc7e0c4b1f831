import { describe, expect, it } from 'vitest'
import { pressTopic } from '../../protocol/index.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { OFFICE, SECRET, press } from '../helpers/office.ts'

describe('ingest over a real broker', () => {
  it('stores an acknowledged press with its rating and officer', async () => {
    const t = await startTestGateway({ registry: OFFICE })
    t.gw.registry.signIn('an', 'q1')
    const box = await t.connectBox('box-1', SECRET('box-1'))
    await box.publishAsync(pressTopic('box-1'), press(1, 'positive'), { qos: 1 })
    const rows = t.gw.db.prepare('SELECT box_id, rating, officer_id, counter_id, office_id, repeat FROM presses').all()
    expect(rows).toEqual([{ box_id: 'box-1', rating: 'positive', officer_id: 'an', counter_id: 'q1', office_id: 'hcc', repeat: 0 }])
  })
})

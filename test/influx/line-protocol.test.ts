/**
 * The point shape and the decisions taken on server answers, without servers.
 */
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../gateway/store/database.ts'
import { resolveConfig } from '../../gateway/config.ts'
import { BATCH_SQL, PRESS_COLUMNS, PRESS_LINE_SQL, escapeTag, pressLine, pressTimestamp, type PressRow } from '../../gateway/influx/line-protocol.ts'
import { classifyResponse, parseRetryAfter, safeUrl, WriteError } from '../../gateway/influx/writer.ts'
import { formatPrometheus } from '../../gateway/metrics.ts'

describe('line protocol of a press', () => {
  it('has measurement press, tags in key order, value=1i and a nanosecond timestamp', () => {
    const row: PressRow = [17, 'box-01', 4, 'positive', 0, 1_700_000_000_123, 'ubnd-q1', 'q1-c1', 'an']
    expect(pressLine(row)).toBe(
      'press,box=box-01,counter=q1-c1,office=ubnd-q1,officer=an,rating=positive,repeat=false value=1i 1700000000123000017',
    )
  })

  it('tags a press with no officer on duty as unattributed, and one from an unassigned box as unassigned', () => {
    const row: PressRow = [3, 'box-04', 9, 'negative', 1, 1_700_000_000_000, null, null, null]
    expect(pressLine(row)).toBe(
      'press,box=box-04,counter=unassigned,office=unassigned,officer=unattributed,rating=negative,repeat=true value=1i 1700000000000000003',
    )
  })

  it('takes the sub-millisecond digits from the row id, so presses in one millisecond differ and a re-send is identical', () => {
    expect(pressTimestamp(1_700_000_000_123, 1)).toBe('1700000000123000001')
    expect(pressTimestamp(1_700_000_000_123, 2)).toBe('1700000000123000002')
    expect(pressTimestamp(1_700_000_000_123, 999_999)).toBe('1700000000123999999')
    expect(pressTimestamp(1_700_000_000_123, 1_000_001)).toBe('1700000000123000001')
    // Exact beyond 2^53, where Number arithmetic would round.
    expect(BigInt(pressTimestamp(1_795_314_903_871, 123_457))).toBe(1_795_314_903_871n * 1_000_000n + 123_457n)
  })

  it('gives the same seq of two boots in one millisecond two timestamps (the row id stands for box, boot, seq)', () => {
    const a = pressLine([41, 'box-01', 7, 'positive', 0, 1_700_000_000_123, 'o', 'c', 'an'])
    const b = pressLine([42, 'box-01', 7, 'positive', 0, 1_700_000_000_123, 'o', 'c', 'an'])
    expect(a.endsWith(' 1700000000123000041')).toBe(true)
    expect(b.endsWith(' 1700000000123000042')).toBe(true)
  })

  it('escapes commas, spaces and equals signs in tag values and leaves Vietnamese as it is', () => {
    expect(escapeTag('Quầy 2, tầng=1')).toBe('Quầy\\ 2\\,\\ tầng\\=1')
    expect(escapeTag('Nguyễn Văn An')).toBe('Nguyễn\\ Văn\\ An')
    expect(escapeTag('plain-id_1.2')).toBe('plain-id_1.2')
    expect(escapeTag('')).toBe('_')
    expect(escapeTag('a\nb')).toBe('a\\nb')
    expect(escapeTag('ends\\')).toBe('ends\\\\')
  })

  it('is built the same by SQLite (what the forwarder sends) as by pressLine', () => {
    const db = openDatabase(':memory:')
    const values = ['a', 'Quầy 2, tầng=1', 'Nguyễn Văn An', 'x\\', 'tab\there', 'nl\nx', 'cr\rx', '', "o'neil", 'back\\slash mid', null]
    const insert = db.prepare(
      `INSERT INTO presses (box_id, boot, seq, rating, repeat, received_at, age_ms, time_ms, office_id, counter_id, officer_id)
       VALUES (?, 'b', ?, 'neutral', ?, 1, 0, ?, ?, ?, ?)`,
    )
    values.forEach((v, i) => insert.run(v ?? 'box', i * 123_457, i % 2, 1_700_000_000_000 + i, v, values[(i + 1) % values.length], values[(i + 2) % values.length]))
    const rows = db.prepare(`SELECT ${PRESS_COLUMNS}, ${PRESS_LINE_SQL} AS line FROM presses ORDER BY id`).raw(true).all() as unknown[][]
    for (const r of rows) expect(r[9]).toBe(pressLine(r.slice(0, 9) as PressRow))
    const batch = db.prepare(BATCH_SQL).get(2, 4) as { lastId: number; points: number; body: string }
    expect(batch.lastId).toBe(6)
    expect(batch.points).toBe(4)
    expect(batch.body.split('\n').sort()).toEqual(rows.slice(2, 6).map((r) => r[9]).sort())
    expect(db.prepare(BATCH_SQL).get(rows.length, 10)).toMatchObject({ points: 0, lastId: null })
    db.close()
  })
})

describe('answers of the server', () => {
  it('429 and 5xx are retried, honouring Retry-After in seconds or as a date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('30', now)).toBe(30_000)
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:12 GMT', now)).toBe(12_000)
    expect(parseRetryAfter(undefined)).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(classifyResponse(429, '{"message":"slow down"}', '7')).toMatchObject({ kind: 'retry', status: 429, retryAfterMs: 7000, message: 'HTTP 429: slow down' })
    expect(classifyResponse(503, '', null)).toMatchObject({ kind: 'retry', status: 503 })
    expect(classifyResponse(500, '{"error":"timeout"}', null)).toMatchObject({ kind: 'retry', message: 'HTTP 500: timeout' })
  })

  it('401, 403, 404 and an unparseable 400 stop forwarding, each with a hint', () => {
    expect(classifyResponse(401, '{"error":"authorization failed"}', null)).toMatchObject({
      kind: 'fatal',
      message: 'HTTP 401: authorization failed (check influx.token, or influx.username/password)',
    })
    expect((classifyResponse(403, '', null) as WriteError).kind).toBe('fatal')
    expect((classifyResponse(404, '{"error":"database not found: \\"x\\""}', null) as WriteError).message).toMatch(/database not found.*create it/)
    expect(classifyResponse(400, '{"error":"unable to parse \'x\': missing fields"}', null)).toMatchObject({ kind: 'fatal', status: 400 })
    expect(classifyResponse(413, '', null)).toMatchObject({ kind: 'too-large' })
  })

  it('points beyond the retention policy are dropped by the server: the batch counts as accepted', () => {
    expect(classifyResponse(400, '{"error":"partial write: points beyond retention policy dropped=12"}', null)).toEqual({ dropped: 12 })
    expect(classifyResponse(422, '{"code":"unprocessable entity","message":"failure writing points to database: partial write: points beyond retention policy dropped=3"}', null)).toEqual({ dropped: 3 })
  })

  it('never shows the credentials of a URL', () => {
    expect(safeUrl('http://user:pass@influx.local:8086/')).toBe('http://influx.local:8086')
  })
})

describe('config and metrics', () => {
  it('fills every influx key with a default', () => {
    const influx = resolveConfig({ influx: { api: 'v1' } }, '(test)', {}).influx!
    expect(influx).toMatchObject({ api: 'v1', batchSize: 5000, flushIntervalMs: 1000, minBackoffMs: 1000, maxBackoffMs: 60000, recheckMs: 60000, gzip: false })
  })

  it('formats Prometheus text with help and type once per metric', () => {
    const text = formatPrometheus([
      { name: 'm', help: 'h', type: 'gauge', value: 1, labels: { state: 'ok' } },
      { name: 'm', help: 'h', type: 'gauge', value: 0, labels: { state: 'a"b' } },
    ])
    expect(text).toBe('# HELP m h\n# TYPE m gauge\nm{state="ok"} 1\nm{state="a\\"b"} 0\n')
  })
})

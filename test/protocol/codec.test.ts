import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decode, encode, parseTopic, pressTopic, configTopic } from '../../protocol/index.ts'
import { GENERATED_DIR, generatedFiles } from '../../protocol/generate-docs.ts'

describe('topics', () => {
  it('builds and parses the three topics of a box', () => {
    expect(pressTopic('quay-3')).toBe('chamdiem/v1/boxes/quay-3/press')
    expect(parseTopic('chamdiem/v1/boxes/quay-3/status')).toEqual({ boxId: 'quay-3', kind: 'status' })
    expect(parseTopic(configTopic('b_1'))).toEqual({ boxId: 'b_1', kind: 'config' })
  })

  it('parses nothing that is not exactly one of ours', () => {
    for (const t of ['chamdiem/v1/boxes/a/b/press', 'chamdiem/v2/boxes/a/press', 'chamdiem/v1/boxes/a/other', 'chamdiem/v1/boxes/a b/press', 'chamdiem/v1/boxes//press', `chamdiem/v1/boxes/${'x'.repeat(65)}/press`]) {
      expect(parseTopic(t), t).toBeNull()
    }
    expect(() => pressTopic('a/b')).toThrow(/invalid box id/)
  })
})

describe('decode', () => {
  it('returns the typed press', () => {
    expect(decode('press', '{"seq":17,"boot":"9f3a1c2e","rating":"positive","ageMs":0}')).toEqual({
      ok: true,
      value: { seq: 17, boot: '9f3a1c2e', rating: 'positive', ageMs: 0 },
    })
  })

  it('names the field and the problem', () => {
    expect(decode('press', '{"seq":1,"boot":"b","rating":"great","ageMs":0}')).toEqual({
      ok: false,
      error: { field: '/rating', problem: 'must be one of positive, neutral, fair, negative, very-negative (got "great")' },
    })
    expect(decode('press', '{"seq":1.5,"boot":"b","rating":"neutral","ageMs":0}')).toMatchObject({ ok: false, error: { field: '/seq' } })
    expect(decode('status', '{"state":"online","uptimeS":-1}')).toMatchObject({ ok: false, error: { field: '/uptimeS' } })
  })

  it('never throws, whatever the bytes', () => {
    // Deterministic pseudo-random bytes and JSON-ish fragments.
    let x = 12345
    const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32)
    const pieces = ['{', '}', '"seq"', ':', '1', ',', '"rating"', '"positive"', '[', ']', 'null', '"', '\\u0000', '1e999', '-0', 'true']
    for (let i = 0; i < 5000; i++) {
      const bytes = i % 2 ? Buffer.from(Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256))) : pieces.slice(0, Math.floor(rnd() * 12)).map(() => pieces[Math.floor(rnd() * pieces.length)]).join('')
      for (const kind of ['press', 'status', 'config'] as const) {
        const r = decode(kind, bytes)
        expect(typeof r.ok).toBe('boolean')
        if (!r.ok) expect(r.error.problem.length).toBeGreaterThan(0)
      }
    }
  })

  it('refuses to encode what it would reject', () => {
    expect(encode('config', { cooldownMs: 1, feedbackMs: 2, counter: 'Quầy 1', officer: null }).toString()).toBe('{"cooldownMs":1,"feedbackMs":2,"counter":"Quầy 1","officer":null}')
    expect(() => encode('press', { seq: 1, boot: 'b', rating: 'bad' as never, ageMs: 0 })).toThrow(/\/rating/)
  })
})

describe('published documents', () => {
  it('are what the schemas generate (run npm run protocol:docs after changing a schema)', () => {
    for (const [name, text] of Object.entries(generatedFiles())) {
      expect(readFileSync(join(GENERATED_DIR, name), 'utf8'), name).toBe(text)
    }
  })
})

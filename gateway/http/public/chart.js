// Ratings over time as an inline SVG: stacked bars of the three ratings per day or month, and
// the satisfaction rate as a line on a 0-100 % scale. No library, no network.
import { h } from './dom.js'
import { t, fmt } from './i18n.js'

const COLORS = { positive: '#1a7f4b', neutral: '#d9a400', negative: '#c62828' }

export function ratingChart(series) {
  const W = 760
  const H = 260
  const pad = { l: 44, r: 44, t: 12, b: 40 }
  const pts = series.points
  const max = Math.max(1, ...pts.map((p) => p.total))
  const step = niceStep(max)
  const top = Math.ceil(max / step) * step
  const iw = W - pad.l - pad.r
  const ih = H - pad.t - pad.b
  const bw = iw / Math.max(1, pts.length)
  const y = (v) => pad.t + ih - (v / top) * ih
  const label = (p) => (series.step === 'month' ? fmt.isoMonth(p.bucket) : p.bucket.slice(8, 10) + '/' + p.bucket.slice(5, 7))
  const every = Math.ceil(pts.length / 12)
  const grid = []
  for (let v = 0; v <= top; v += step) {
    grid.push(h('line', { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: 'grid' }), h('text', { x: pad.l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, fmt.int(v)))
  }
  for (const pct of [0, 50, 100]) {
    grid.push(h('text', { x: W - pad.r + 6, y: pad.t + ih - (pct / 100) * ih + 4, class: 'axis sat' }, pct + '%'))
  }
  const bars = pts.map((p, i) => {
    let base = 0
    const x = pad.l + i * bw + bw * 0.12
    const rects = ['negative', 'neutral', 'positive'].map((r) => {
      const v = p[r]
      const rect = v ? h('rect', { x, width: Math.max(1, bw * 0.76), y: y(base + v), height: y(base) - y(base + v), fill: COLORS[r] }) : null
      base += v
      return rect
    })
    return h(
      'g',
      { class: 'bar', dataset: { bucket: p.bucket, total: p.total } },
      h('title', {}, `${label(p)}: ${t('positive')} ${p.positive}, ${t('neutral')} ${p.neutral}, ${t('negative')} ${p.negative}; ${t('satisfaction')} ${fmt.pct(p.satisfaction)}`),
      rects,
      i % every === 0 ? h('text', { x: pad.l + i * bw + bw / 2, y: H - pad.b + 16, 'text-anchor': 'middle', class: 'axis' }, label(p)) : null,
    )
  })
  const line = pts
    .map((p, i) => (p.satisfaction === null ? null : `${(pad.l + i * bw + bw / 2).toFixed(1)},${(pad.t + ih - p.satisfaction * ih).toFixed(1)}`))
    .filter(Boolean)
    .join(' ')
  return h(
    'figure',
    { class: 'chart' },
    h('figcaption', {}, t('chartTitle')),
    h(
      'svg',
      { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('chartTitle'), id: 'report-chart' },
      grid,
      bars,
      line ? h('polyline', { points: line, class: 'sat-line', fill: 'none' }) : null,
    ),
    h(
      'p',
      { class: 'legend' },
      ['positive', 'neutral', 'negative'].map((r) => h('span', { class: 'key ' + r }, t(r))),
      h('span', { class: 'key sat' }, t('satisfaction')),
    ),
  )
}

function niceStep(max) {
  const raw = max / 5
  const mag = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 5, 10]) if (raw <= m * mag) return Math.max(1, m * mag)
  return Math.max(1, 10 * mag)
}

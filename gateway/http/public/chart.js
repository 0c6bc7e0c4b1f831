// Charts as inline SVG, no library, no network: ratings over time (stacked bars of the
// levels per day or month, the satisfaction rate as a line on a 0-100 % scale), a trend line
// per officer, this period against the previous one and a year before, and an hour x weekday
// heat map. A rate is never drawn across days without presses: the line breaks there.
import { h } from './dom.js'
import { t, fmt } from './i18n.js'
import { pointsText } from './report-table.js'
import { DEFAULT_LEVELS, levelLabel } from './scale.js'

// The default scale's three keep their colours; "Bình thường" (fair) is a lighter yellow beside "Hài lòng".
const COLORS = { positive: '#1a7f4b', neutral: '#d9a400', fair: '#f2cf5b', negative: '#c62828', 'very-negative': '#7f1414' }

/** Runs of consecutive points with a value, as SVG polyline coordinate strings; a lone point becomes a dot. */
function segments(values, x, y) {
  const runs = []
  let run = []
  values.forEach((v, i) => {
    if (v === null || v === undefined) {
      if (run.length) runs.push(run)
      run = []
    } else run.push([x(i), y(v)])
  })
  if (run.length) runs.push(run)
  return runs.map((r) =>
    r.length === 1
      ? h('circle', { cx: r[0][0].toFixed(1), cy: r[0][1].toFixed(1), r: 2.5, class: 'sat-dot' })
      : h('polyline', { points: r.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' '), class: 'sat-line', fill: 'none' }),
  )
}

export function ratingChart(series) {
  // The deployment's levels, best first: one colour of the stacked bar each.
  const levels = series.scale ?? DEFAULT_LEVELS
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
    const rects = [...levels].reverse().map(({ id }) => {
      const v = p[id] ?? 0
      const rect = v ? h('rect', { x, width: Math.max(1, bw * 0.76), y: y(base + v), height: y(base) - y(base + v), fill: COLORS[id] }) : null
      base += v
      return rect
    })
    return h(
      'g',
      { class: 'bar', dataset: { bucket: p.bucket, total: p.total } },
      h('title', {}, `${label(p)}: ${levels.map((l) => `${levelLabel(l)} ${p[l.id] ?? 0}`).join(', ')}; ${t('satisfaction')} ${fmt.pct(p.satisfaction)}`),
      rects,
      i % every === 0 ? h('text', { x: pad.l + i * bw + bw / 2, y: H - pad.b + 16, 'text-anchor': 'middle', class: 'axis' }, label(p)) : null,
    )
  })
  const line = segments(
    pts.map((p) => p.satisfaction),
    (i) => pad.l + i * bw + bw / 2,
    (v) => pad.t + ih - v * ih,
  )
  return h(
    'figure',
    { class: 'chart' },
    h('figcaption', {}, t('chartTitle')),
    h('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('chartTitle'), id: 'report-chart' }, grid, bars, h('g', { class: 'sat-lines' }, line)),
    h(
      'p',
      { class: 'legend' },
      levels.map((l) => h('span', { class: 'key ' + l.id }, levelLabel(l))),
      h('span', { class: 'key sat' }, t('satisfaction')),
    ),
  )
}

/** One small chart per row: its satisfaction over the period's days or months, gaps left open. */
export function trendChart(report, name) {
  const { buckets, byKey } = report.trend
  const W = 220
  const H = 44
  const x = (i) => 4 + (i * (W - 8)) / Math.max(1, buckets.length - 1)
  const y = (v) => H - 4 - v * (H - 8)
  const rows = report.rows.map((r) => {
    const pts = byKey[r.key] ?? []
    const values = buckets.map((_, i) => pts[i]?.satisfaction ?? null)
    return h(
      'tr',
      { dataset: { key: r.key } },
      h('th', { scope: 'row' }, name(r)),
      h(
        'td',
        {},
        h(
          'svg',
          { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'spark', role: 'img', 'aria-label': `${name(r)}: ${t('satisfaction')}` },
          h('line', { x1: 4, x2: W - 4, y1: y(0.5), y2: y(0.5), class: 'grid' }),
          segments(values, x, y),
        ),
      ),
      h('td', { class: 'n' }, fmt.pct(r.satisfaction)),
    )
  })
  return h(
    'figure',
    { class: 'chart trend', id: 'trend-chart' },
    h('figcaption', {}, t('trendTitle', { by: t(report.by).toLowerCase() })),
    // Scrolls sideways on a phone: focusable, so a keyboard can scroll it too (WCAG 2.1.1).
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('trendTitle', { by: t(report.by).toLowerCase() }) }, h('table', { class: 'report' }, h('tbody', {}, rows))),
  )
}

/** Per row: this period's satisfaction as a bar, the previous period and a year before as marks on it. */
export function comparisonChart(report, name) {
  const rows = report.rows.filter((r) => r.total > 0)
  const W = 760
  const rowH = 22
  const left = 190
  const H = rows.length * rowH + 30
  const x = (v) => left + v * (W - left - 120) // room on the right for "+25,7 điểm %"
  const marks = (c, cls) => (c.before && c.before.satisfaction !== null ? h('line', { x1: x(c.before.satisfaction), x2: x(c.before.satisfaction), y1: -8, y2: 8, class: 'mark ' + cls }) : null)
  const items = rows.map((r, i) =>
    h(
      'g',
      { transform: `translate(0 ${20 + i * rowH})`, class: 'cmp', dataset: { key: r.key } },
      h('title', {}, `${name(r)}: ${fmt.pct(r.satisfaction)}; ${t('vsPrevious')} ${pointsText(r.vsPrevious)}; ${t('vsYearAgo')} ${pointsText(r.vsYearAgo)}`),
      h('text', { x: left - 8, y: 4, 'text-anchor': 'end', class: 'axis' }, name(r)),
      h('rect', { x: left, y: -6, width: Math.max(0, x(r.satisfaction ?? 0) - left), height: 12, class: 'now' }),
      marks(r.vsPrevious, 'prev'),
      marks(r.vsYearAgo, 'year'),
      h('text', { x: x(1) + 6, y: 4, class: 'axis' }, pointsText(r.vsPrevious)),
    ),
  )
  const grid = [0, 0.5, 1].map((v) => [h('line', { x1: x(v), x2: x(v), y1: 8, y2: H - 6, class: 'grid' }), h('text', { x: x(v), y: 8, 'text-anchor': 'middle', class: 'axis' }, v * 100 + '%')])
  return h(
    'figure',
    { class: 'chart', id: 'comparison-chart' },
    h('figcaption', {}, t('comparisonTitle')),
    h('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('comparisonTitle') }, grid, items),
    h(
      'p',
      { class: 'legend' },
      h('span', { class: 'key now' }, `${t('thisPeriod')} (${report.period.label})`),
      h('span', { class: 'key prev' }, `${t('vsPrevious')} (${report.previous.period.label})`),
      h('span', { class: 'key year' }, `${t('vsYearAgo')} (${report.yearAgo.period.label})`),
    ),
  )
}

/** Counted presses per weekday and hour; darker = more; each cell's title gives the count and the rate. */
export function heatMap(heatmap) {
  const days = t('weekdays').split(',')
  const used = heatmap.total.flatMap((row) => row.map((n, hour) => (n ? hour : null))).filter((x) => x !== null)
  const firstHour = Math.min(7, ...used)
  const lastHour = Math.max(17, ...used)
  const hours = Array.from({ length: lastHour - firstHour + 1 }, (_, i) => firstHour + i)
  const max = Math.max(1, ...heatmap.total.flat())
  const cell = (d, hr) => {
    const n = heatmap.total[d][hr]
    const sat = heatmap.satisfaction[d][hr]
    return h('td', { class: 'heat heat-' + Math.ceil((n / max) * 5), dataset: { n }, title: `${days[d]} ${hr}:00–${hr + 1}:00: ${fmt.int(n)}; ${t('satisfaction')} ${fmt.pct(sat)}` }, n ? fmt.int(n) : '')
  }
  return h(
    'figure',
    { class: 'chart heatmap', id: 'heatmap' },
    h('figcaption', {}, t('heatmapTitle')),
    h(
      'div',
      // Scrolls sideways on a phone: focusable, so a keyboard can scroll it too (WCAG 2.1.1).
      { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('heatmapTitle') },
      h(
        'table',
        { class: 'heat-table' },
        h('thead', {}, h('tr', {}, h('th', {}), hours.map((hr) => h('th', { scope: 'col' }, String(hr))))),
        h('tbody', {}, days.map((day, d) => h('tr', {}, h('th', { scope: 'row' }, day), hours.map((hr) => cell(d, hr))))),
      ),
    ),
  )
}

function niceStep(max) {
  const raw = max / 5
  const mag = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 5, 10]) if (raw <= m * mag) return Math.max(1, m * mag)
  return Math.max(1, 10 * mag)
}

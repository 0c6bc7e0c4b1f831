/**
 * Prometheus samples that parts report (store, alerts, ingest, forwarder) and their text
 * exposition for /metrics. Each part returns plain samples; only this file knows the format.
 */
export interface MetricSample {
  name: string
  help: string
  type: 'counter' | 'gauge'
  value: number
  labels?: Record<string, string>
}

/** Prometheus text exposition of samples (help and type once per name). */
export function formatPrometheus(samples: MetricSample[]): string {
  const out: string[] = []
  const seen = new Set<string>()
  for (const s of samples) {
    if (!seen.has(s.name)) {
      seen.add(s.name)
      out.push(`# HELP ${s.name} ${s.help}`, `# TYPE ${s.name} ${s.type}`)
    }
    const labels = s.labels
      ? `{${Object.entries(s.labels)
          .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
          .join(',')}}`
      : ''
    out.push(`${s.name}${labels} ${s.value}`)
  }
  return out.length ? out.join('\n') + '\n' : ''
}

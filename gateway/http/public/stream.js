// The live event stream, read with fetch instead of EventSource. EventSource reconnects by
// itself only after a network drop: an HTTP error (a reverse proxy's 502 while the gateway
// restarts) closes it for good, and it never notices a stream that went silent. Here:
//  - every chunk (events and the server's heartbeat comments) proves the stream alive; after
//    about two missed heartbeats it is declared lost and dropped;
//  - a lost stream is opened again with backoff (0.5 s doubling to 10 s, with jitter), for ever;
//  - 401 means the session (or the wall screen's display token) ended: `onAuth` decides.
// onState gets 'connecting' | 'open' | 'lost'; the page shows a banner for anything but 'open'.

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 10000]
/** Until the server's hello says its heartbeat interval. */
const DEFAULT_HEARTBEAT_MS = 2000

export function openStream(url, { onEvent, onState = () => {}, onAuth = () => {} }) {
  let stopped = false
  let attempt = 0
  let abort = null
  let watchdog = 0
  let retryTimer = 0
  let staleMs = DEFAULT_HEARTBEAT_MS * 2.25

  const alive = () => {
    clearTimeout(watchdog)
    watchdog = setTimeout(() => abort?.abort(new Error('stream silent')), staleMs)
  }

  async function run() {
    if (stopped) return
    onState(attempt === 0 ? 'connecting' : 'lost')
    abort = new AbortController()
    try {
      alive()
      const res = await fetch(url, { headers: { accept: 'text/event-stream' }, cache: 'no-store', credentials: 'same-origin', signal: abort.signal })
      if (res.status === 401) {
        clearTimeout(watchdog)
        stopped = true
        onState('lost')
        onAuth()
        return
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`)
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      let buf = ''
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        alive()
        buf += value
        let end
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end)
          buf = buf.slice(end + 2)
          dispatch(block)
        }
      }
    } catch {
      // Dropped, refused, silent or aborted: handled below like an ended stream.
    }
    clearTimeout(watchdog)
    if (stopped) return
    onState('lost')
    const base = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]
    attempt++
    retryTimer = setTimeout(run, base * (0.8 + Math.random() * 0.4))
  }

  function dispatch(block) {
    let event = 'message'
    const data = []
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'event') event = value
      else if (field === 'data') data.push(value)
    }
    if (data.length === 0) return
    const payload = JSON.parse(data.join('\n'))
    if (event === 'hello') {
      attempt = 0
      if (payload.heartbeatMs) staleMs = payload.heartbeatMs * 2.25
      alive()
      onState('open')
    }
    onEvent(event, payload)
  }

  run()
  return {
    close() {
      stopped = true
      clearTimeout(watchdog)
      clearTimeout(retryTimer)
      abort?.abort()
    },
  }
}

/**
 * The window step of the ingest pipeline (issue 13): a press that names a rating window must
 * name the window the gateway opened at the box's counter, open when the press was made and
 * not rated yet; otherwise it is refused with the reason (forged or stale), acknowledged like
 * any rejected message, never counted. A press that names none is credited to its counter's
 * window if one was open then (boxes that do not follow windows), else flagged `no_window`.
 */
import type { WindowRecord, Windows } from './windows.ts'

export interface WindowJudgement {
  /** The window the press rates, if any. */
  windowId: string | null
  /** Made outside any window. */
  noWindow: boolean
  /** Made outside any window in an office that does not count such presses. */
  uncounted: boolean
  /** The officer the window names (who served the citizen), over the one on duty. */
  officerId?: string | null
}

export type WindowVerdict = { reject: string } | WindowJudgement

const iso = (ms: number) => new Date(ms).toISOString()

export function judgeWindow(
  windows: Windows,
  press: { windowId: string | undefined; counterId: string | null; officeId: string | null; timeMs: number },
): WindowVerdict {
  const { windowId, counterId, timeMs } = press
  if (windowId === undefined) {
    const w = counterId ? windows.openWindowAt(counterId, timeMs) : undefined
    if (w) return { windowId: w.id, noWindow: false, uncounted: false, officerId: w.officerId }
    return { windowId: null, noWindow: true, uncounted: !windows.noWindowCounts(press.officeId) }
  }
  const open = counterId ? windows.openAt(counterId) : undefined
  const w: WindowRecord | undefined = open?.id === windowId ? open : windows.get(windowId)
  if (!w) return { reject: `window ${windowId} is unknown: no such window was opened by this gateway` }
  if (w.counterId !== counterId) {
    return { reject: `window ${windowId} was opened at counter ${w.counterId}, not at this box's counter (${counterId ?? 'none'})` }
  }
  if (timeMs < w.openedAt) return { reject: `window ${windowId} opened at ${iso(w.openedAt)}, after the press (${iso(timeMs)})` }
  const end = Math.min(w.closedAt ?? Number.MAX_SAFE_INTEGER, w.expiresAt)
  const ratedBefore = windows.isRated(windowId)
  if (ratedBefore) return { reject: `window ${windowId} was already rated by an earlier press` }
  if (timeMs > end) {
    const why = w.closeReason ?? (timeMs > w.expiresAt ? 'timeout' : 'closed')
    return { reject: `window ${windowId} closed (${why}) at ${iso(end)}, before the press (${iso(timeMs)})` }
  }
  return { windowId, noWindow: false, uncounted: false, officerId: w.officerId }
}

// The dashboard's words, Vietnamese by default, English switchable. Dates and numbers go
// through Intl in the chosen locale and the office's time zone.

const DICT = {
  vi: {
    appName: 'Chấm điểm hài lòng',
    login: 'Đăng nhập',
    logout: 'Đăng xuất',
    username: 'Tên đăng nhập',
    password: 'Mật khẩu',
    loginFailed: 'Sai tên đăng nhập hoặc mật khẩu',
    tooManyAttempts: 'Quá nhiều lần thử, vui lòng đợi một phút',
    language: 'Ngôn ngữ',
    live: 'Trực tiếp',
    reports: 'Báo cáo',
    admin: 'Quản trị',
    allOffices: 'Tất cả đơn vị',
    office: 'Đơn vị',
    today: 'Hôm nay',
    officer: 'Cán bộ',
    counter: 'Quầy',
    positive: 'Rất hài lòng',
    neutral: 'Hài lòng',
    negative: 'Không hài lòng',
    total: 'Tổng',
    satisfaction: 'Tỷ lệ hài lòng',
    index: 'Chỉ số',
    lastPress: 'Lần bấm cuối',
    lastSeen: 'Kết nối lần cuối',
    onDuty: 'Đang trực',
    nobodyOnDuty: 'Không có cán bộ trực',
    unattributed: 'Chưa xác định cán bộ',
    online: 'Trực tuyến',
    offline: 'Mất kết nối',
    noBox: 'Chưa gắn hộp',
    alerts: 'Cảnh báo',
    noAlerts: 'Không có cảnh báo',
    alertFrowns: '{counter}: {negative}/{total} đánh giá không hài lòng trong {window} phút',
    alertBoxOffline: 'Hộp {box} ({counter}) mất kết nối trong giờ làm việc',
    alertRejected: '{count} tin nhắn không hợp lệ từ hộp {box}: {reason}',
    alertBurst: '{count} lần bấm vượt tốc độ của người từ hộp {box} ({counter}, cán bộ {officer}): không được tính',
    alertSystem_clockUnsynced: 'Đồng hồ của máy chủ chưa được đồng bộ (NTP): thời điểm, ca trực và cán bộ của các lượt bấm có thể sai',
    alertSystem_clockStepped: 'Đồng hồ của máy chủ đã {direction} {minutes} phút: kiểm tra thời gian trước khi dùng số liệu',
    alertSystem_diskLow: 'Ổ đĩa sắp đầy: còn {free} MB (ngưỡng {min} MB); khi hết chỗ, lượt bấm sẽ không được ghi nhận',
    alertSystem_backupFailed: 'Sao lưu hằng ngày thất bại: {message}',
    clockBack: 'lùi lại',
    clockAhead: 'nhảy tới',
    signIn: 'Nhận quầy',
    signOut: 'Rời quầy',
    chooseOfficer: 'Chọn cán bộ',
    never: 'chưa có',
    from: 'Từ ngày',
    to: 'Đến ngày',
    groupBy: 'Theo',
    show: 'Xem',
    downloadCsv: 'Tải CSV',
    printQuarter: 'In báo cáo quý',
    rank: 'Hạng',
    interval: 'Khoảng tin cậy 95%',
    tooFew: 'Quá ít đánh giá',
    repeats: 'Bấm lặp',
    bursts: 'Bấm dồn',
    noData: 'Không có dữ liệu',
    chartTitle: 'Đánh giá theo thời gian',
    quarter: 'Quý',
    year: 'Năm',
    quarterlyReport: 'Báo cáo kết quả đánh giá sự hài lòng — Quý {q}/{y}',
    period: 'Kỳ báo cáo',
    generated: 'Lập lúc',
    byMonth: 'Theo tháng',
    month: 'Tháng',
    print: 'In',
    offices: 'Đơn vị',
    counters: 'Quầy',
    officers: 'Cán bộ',
    boxes: 'Hộp bấm',
    duty: 'Ca trực',
    shifts: 'Lịch trực tuần',
    users: 'Người dùng',
    alertSettings: 'Ngưỡng cảnh báo',
    id: 'Mã',
    name: 'Tên',
    active: 'Đang làm việc',
    save: 'Lưu',
    add: 'Thêm',
    remove: 'Xoá',
    provision: 'Cấp hộp mới',
    secretOnce: 'Mật khẩu của hộp {box} (chỉ hiện một lần, hãy ghi lại ngay):',
    move: 'Chuyển',
    retire: 'Ngừng dùng',
    retired: 'Đã ngừng',
    state: 'Trạng thái',
    weekday: 'Thứ',
    start: 'Bắt đầu',
    end: 'Kết thúc',
    role: 'Vai trò',
    role_admin: 'Quản trị viên',
    role_head: 'Trưởng bộ phận',
    role_viewer: 'Người xem',
    saved: 'Đã lưu',
    confirmRetire: 'Ngừng dùng hộp {box}? Hộp sẽ không kết nối được nữa.',
    confirmRemove: 'Xoá {what}?',
    open: 'đang mở',
    frownWindowMin: 'Cửa sổ tính (phút)',
    frownShare: 'Tỷ lệ không hài lòng tối đa (0–1)',
    frownMinCount: 'Số đánh giá tối thiểu',
    officeDays: 'Ngày làm việc (1=Thứ Hai … 7=Chủ nhật)',
    officeFrom: 'Giờ mở cửa',
    officeTo: 'Giờ đóng cửa',
    rejectedWindowMin: 'Hiện tin nhắn lỗi trong (phút)',
    error: 'Lỗi',
    day1: 'Thứ Hai', day2: 'Thứ Ba', day3: 'Thứ Tư', day4: 'Thứ Năm', day5: 'Thứ Sáu', day6: 'Thứ Bảy', day7: 'Chủ nhật',
    signature: 'Người lập báo cáo',
    headSignature: 'Thủ trưởng đơn vị',
  },
  en: {
    appName: 'Citizen satisfaction',
    login: 'Log in',
    logout: 'Log out',
    username: 'Username',
    password: 'Password',
    loginFailed: 'Wrong username or password',
    tooManyAttempts: 'Too many attempts, please wait a minute',
    language: 'Language',
    live: 'Live',
    reports: 'Reports',
    admin: 'Admin',
    allOffices: 'All offices',
    office: 'Office',
    today: 'Today',
    officer: 'Officer',
    counter: 'Counter',
    positive: 'Very satisfied',
    neutral: 'Satisfied',
    negative: 'Not satisfied',
    total: 'Total',
    satisfaction: 'Satisfaction',
    index: 'Index',
    lastPress: 'Last press',
    lastSeen: 'Last seen',
    onDuty: 'On duty',
    nobodyOnDuty: 'Nobody on duty',
    unattributed: 'No officer on duty',
    online: 'Online',
    offline: 'Offline',
    noBox: 'No box',
    alerts: 'Alerts',
    noAlerts: 'No alerts',
    alertFrowns: '{counter}: {negative} of {total} ratings not satisfied in {window} min',
    alertBoxOffline: 'Box {box} ({counter}) is offline during office hours',
    alertRejected: '{count} invalid messages from box {box}: {reason}',
    alertBurst: '{count} presses beyond a human rate from box {box} ({counter}, officer {officer}): not counted',
    alertSystem_clockUnsynced: 'The server clock is not synchronised (NTP): the time, shift and officer of presses may be wrong',
    alertSystem_clockStepped: 'The server clock {direction} {minutes} min: check the time before using the figures',
    alertSystem_diskLow: 'Disk almost full: {free} MB free (threshold {min} MB); when it runs out, presses are no longer recorded',
    alertSystem_backupFailed: 'The daily backup failed: {message}',
    clockBack: 'went back',
    clockAhead: 'jumped ahead',
    signIn: 'Sign in',
    signOut: 'Sign out',
    chooseOfficer: 'Choose officer',
    never: 'never',
    from: 'From',
    to: 'To',
    groupBy: 'By',
    show: 'Show',
    downloadCsv: 'Download CSV',
    printQuarter: 'Print quarterly report',
    rank: 'Rank',
    interval: '95% interval',
    tooFew: 'Too few ratings',
    repeats: 'Repeats',
    bursts: 'Bursts',
    noData: 'No data',
    chartTitle: 'Ratings over time',
    quarter: 'Quarter',
    year: 'Year',
    quarterlyReport: 'Citizen satisfaction report — Q{q} {y}',
    period: 'Period',
    generated: 'Generated',
    byMonth: 'By month',
    month: 'Month',
    print: 'Print',
    offices: 'Offices',
    counters: 'Counters',
    officers: 'Officers',
    boxes: 'Boxes',
    duty: 'Duty',
    shifts: 'Weekly shifts',
    users: 'Users',
    alertSettings: 'Alert thresholds',
    id: 'Id',
    name: 'Name',
    active: 'Active',
    save: 'Save',
    add: 'Add',
    remove: 'Remove',
    provision: 'Provision box',
    secretOnce: 'Secret of box {box} (shown only once, write it down now):',
    move: 'Move',
    retire: 'Retire',
    retired: 'Retired',
    state: 'State',
    weekday: 'Day',
    start: 'Start',
    end: 'End',
    role: 'Role',
    role_admin: 'Administrator',
    role_head: 'Office head',
    role_viewer: 'Viewer',
    saved: 'Saved',
    confirmRetire: 'Retire box {box}? It will no longer be able to connect.',
    confirmRemove: 'Remove {what}?',
    open: 'open',
    frownWindowMin: 'Window (minutes)',
    frownShare: 'Highest share of "not satisfied" (0–1)',
    frownMinCount: 'Fewest ratings',
    officeDays: 'Office days (1=Monday … 7=Sunday)',
    officeFrom: 'Opens',
    officeTo: 'Closes',
    rejectedWindowMin: 'Show invalid messages of the last (minutes)',
    error: 'Error',
    day1: 'Monday', day2: 'Tuesday', day3: 'Wednesday', day4: 'Thursday', day5: 'Friday', day6: 'Saturday', day7: 'Sunday',
    signature: 'Prepared by',
    headSignature: 'Head of office',
  },
}

const LOCALES = { vi: 'vi-VN', en: 'en-GB' }

export function lang() {
  const stored = localStorage.getItem('chamdiem.lang')
  return stored === 'en' ? 'en' : 'vi'
}

export function setLang(l) {
  localStorage.setItem('chamdiem.lang', l === 'en' ? 'en' : 'vi')
  document.documentElement.lang = lang()
}

/** The word for `key` in the chosen language, with {placeholders} filled in. */
export function t(key, vars = {}) {
  const text = DICT[lang()][key] ?? DICT.vi[key] ?? key
  return text.replace(/\{(\w+)\}/g, (_, k) => (vars[k] === undefined ? '' : String(vars[k])))
}

let zone = 'Asia/Ho_Chi_Minh'
export function setTimeZone(z) {
  zone = z
}

const locale = () => LOCALES[lang()]

export const fmt = {
  int: (n) => new Intl.NumberFormat(locale()).format(n),
  pct: (x) => (x === null || x === undefined ? '—' : new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(x)),
  num1: (x) => (x === null || x === undefined ? '—' : new Intl.NumberFormat(locale(), { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(x)),
  time: (ms) => (ms ? new Intl.DateTimeFormat(locale(), { timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(ms) : t('never')),
  dateTime: (ms) => new Intl.DateTimeFormat(locale(), { timeZone: zone, dateStyle: 'short', timeStyle: 'short' }).format(ms),
  date: (ms) => new Intl.DateTimeFormat(locale(), { timeZone: zone, dateStyle: 'medium' }).format(ms),
  /** A YYYY-MM-DD local date as the locale writes it. */
  isoDate: (d) => new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', dateStyle: 'medium' }).format(Date.parse(d + 'T00:00:00Z')),
  isoMonth: (d) => new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', month: 'short', year: 'numeric' }).format(Date.parse(d.slice(0, 7) + '-01T00:00:00Z')),
  /** Today's local date in the office zone, YYYY-MM-DD. */
  todayIso: () => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now()),
}

/** Puts the language switch into `el`; `onChange` re-renders the page. */
export function languageSwitch(onChange) {
  const sel = document.createElement('select')
  sel.id = 'lang'
  sel.setAttribute('aria-label', t('language'))
  for (const [value, label] of [['vi', 'Tiếng Việt'], ['en', 'English']]) {
    const o = document.createElement('option')
    o.value = value
    o.textContent = label
    o.selected = lang() === value
    sel.append(o)
  }
  sel.addEventListener('change', () => {
    setLang(sel.value)
    onChange()
  })
  return sel
}

/** Lets a view bring its own words ({ vi: {...}, en: {...} }), kept next to the view. */
export function addWords(words) {
  for (const l of Object.keys(DICT)) Object.assign(DICT[l], words[l] ?? {})
}

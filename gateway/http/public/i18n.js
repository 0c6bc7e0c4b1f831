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
    // Live connection, wall screen, citizens' screen, display tokens (issue 16)
    connOpen: 'Đang cập nhật trực tiếp',
    connConnecting: 'Đang kết nối…',
    connLost: 'Mất kết nối với máy chủ: số liệu đang dừng. Đang tự kết nối lại…',
    sessionExpired: 'Phiên đăng nhập đã hết hạn hoặc đã kết thúc. Vui lòng đăng nhập lại.',
    loading: 'Đang tải…',
    wallScreen: 'Màn hình treo tường',
    wallTokenRevoked: 'Mã màn hình đã bị thu hồi. Hãy xin quản trị viên một mã mới.',
    officeToday: 'Hôm nay tại {office}',
    ratingsToday: '{n} lượt đánh giá hôm nay',
    displays: 'Màn hình',
    displayTokens: 'Mã màn hình treo tường',
    displayHelp: 'Mỗi mã chỉ xem được màn hình treo tường của một đơn vị, không thay đổi được gì. Mở địa chỉ dưới đây trên máy tính của màn hình; thu hồi mã khi không dùng nữa.',
    displayLabel: 'Tên màn hình',
    createDisplay: 'Tạo mã',
    displayUrlOnce: 'Địa chỉ cho màn hình (chỉ hiện một lần):',
    copy: 'Sao chép',
    copied: 'Đã sao chép',
    revoke: 'Thu hồi',
    revokedAt: 'Đã thu hồi',
    lastUsed: 'Dùng lần cuối',
    createdAt: 'Tạo lúc',
    status: 'Trạng thái',
    displayActive: 'Đang dùng',
    noDisplays: 'Chưa có mã nào',
    alertFrowns: '{counter}: {negative}/{total} đánh giá không hài lòng trong {window} phút',
    alertBoxOffline: 'Hộp {box} ({counter}) mất kết nối trong giờ làm việc',
    alertRejected: '{count} tin nhắn không hợp lệ từ hộp {box}: {reason}',
    alertBurst: '{count} lần bấm vượt tốc độ của người từ hộp {box} ({counter}, cán bộ {officer}): không được tính',
    alertTamper_noWindowPresses: '{counter}: {presses} lượt bấm ngoài phiên đánh giá hôm nay ({share} số lượt bấm của quầy)',
    alertTamper_unratedRun: '{counter}: {windows} phiên đánh giá liên tiếp không được đánh giá ({from}–{to})',
    alertTamper_ratingBurst: '{counter}: {presses} lần liền "{rating}" từ {from} đến {to}',
    alertTamper_outsideShift: '{counter}: {presses} lượt bấm hôm nay khi không có cán bộ trực',
    alertSystem_clockUnsynced: 'Đồng hồ của máy chủ chưa được đồng bộ (NTP): thời điểm, ca trực và cán bộ của các lượt bấm có thể sai',
    alertSystem_clockStepped: 'Đồng hồ của máy chủ đã {direction} {amount}: kiểm tra thời gian trước khi dùng số liệu',
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
    periodKind: 'Kỳ',
    period_month: 'Tháng',
    period_quarter: 'Quý',
    period_half: '6 tháng',
    period_nine: '9 tháng',
    period_year: 'Năm',
    period_range: 'Khoảng ngày',
    half1: '6 tháng đầu năm',
    half2: '6 tháng cuối năm',
    downloadCsvSemicolon: 'Tải CSV (dấu ;)',
    downloadXlsx: 'Tải Excel',
    printOfficial: 'In báo cáo',
    vsPrevious: 'So với kỳ trước',
    vsYearAgo: 'So với cùng kỳ năm trước',
    points: 'điểm %',
    comparisonTitle: 'Tỷ lệ hài lòng: kỳ này, kỳ trước, cùng kỳ năm trước',
    trendTitle: 'Xu hướng theo {by}',
    heatmapTitle: 'Lượt đánh giá theo giờ và thứ trong tuần',
    summary: '{total} lượt đánh giá, tỷ lệ hài lòng {sat}',
    weekdays: 'Thứ Hai,Thứ Ba,Thứ Tư,Thứ Năm,Thứ Sáu,Thứ Bảy,Chủ Nhật',
    thisPeriod: 'Kỳ này',
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
    connOpen: 'Live',
    connConnecting: 'Connecting…',
    connLost: 'Connection to the server lost: figures are frozen. Reconnecting…',
    sessionExpired: 'Your session expired or was ended. Please log in again.',
    loading: 'Loading…',
    wallScreen: 'Wall screen',
    wallTokenRevoked: 'This display token was revoked. Ask an administrator for a new one.',
    officeToday: 'Today at {office}',
    ratingsToday: '{n} ratings today',
    displays: 'Screens',
    displayTokens: 'Wall screen tokens',
    displayHelp: "Each token shows one office's wall screen and can change nothing. Open the address below on the screen's computer; revoke the token when it is no longer used.",
    displayLabel: 'Screen name',
    createDisplay: 'Create token',
    displayUrlOnce: 'Address for the screen (shown once):',
    copy: 'Copy',
    copied: 'Copied',
    revoke: 'Revoke',
    revokedAt: 'Revoked',
    lastUsed: 'Last used',
    createdAt: 'Created',
    status: 'Status',
    displayActive: 'In use',
    noDisplays: 'No tokens yet',
    alertFrowns: '{counter}: {negative} of {total} ratings not satisfied in {window} min',
    alertBoxOffline: 'Box {box} ({counter}) is offline during office hours',
    alertRejected: '{count} invalid messages from box {box}: {reason}',
    alertBurst: '{count} presses beyond a human rate from box {box} ({counter}, officer {officer}): not counted',
    alertTamper_noWindowPresses: '{counter}: {presses} presses outside any rating window today ({share} of the counter\'s presses)',
    alertTamper_unratedRun: '{counter}: {windows} rating windows in a row never rated ({from}–{to})',
    alertTamper_ratingBurst: '{counter}: "{rating}" {presses} times in a row from {from} to {to}',
    alertTamper_outsideShift: '{counter}: {presses} presses today with no officer on duty',
    alertSystem_clockUnsynced: 'The server clock is not synchronised (NTP): the time, shift and officer of presses may be wrong',
    alertSystem_clockStepped: 'The server clock {direction} {amount}: check the time before using the figures',
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
    periodKind: 'Period',
    period_month: 'Month',
    period_quarter: 'Quarter',
    period_half: '6 months',
    period_nine: '9 months',
    period_year: 'Year',
    period_range: 'Date range',
    half1: 'First half',
    half2: 'Second half',
    downloadCsvSemicolon: 'Download CSV (;)',
    downloadXlsx: 'Download Excel',
    printOfficial: 'Print report',
    vsPrevious: 'vs previous period',
    vsYearAgo: 'vs a year before',
    points: 'points',
    comparisonTitle: 'Satisfaction: this period, the previous one, a year before',
    trendTitle: 'Trend by {by}',
    heatmapTitle: 'Ratings by hour and weekday',
    summary: '{total} ratings, satisfaction {sat}',
    weekdays: 'Mon,Tue,Wed,Thu,Fri,Sat,Sun',
    thisPeriod: 'This period',
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

/** Day, month and year of `ms` in the office zone, as numbers: dates are always dd/mm/yyyy. */
function dayParts(ms, timeZone = zone) {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(ms)
  const get = (type) => parts.find((p) => p.type === type)?.value ?? ''
  return { d: get('day'), m: get('month'), y: get('year'), hh: get('hour'), mm: get('minute') }
}

// The one formatting helper of every page: numbers with the language's separators (vi:
// 12.345,5 and 91,7%), dates as 28/11/2026 in both languages (never "28 thg 11, 2026"),
// times as 24-hour 09:05.
export const fmt = {
  int: (n) => new Intl.NumberFormat(locale()).format(n),
  /** A number with up to `digits` decimals (decimal comma in Vietnamese). */
  num: (x, digits = 1) => (x === null || x === undefined ? '—' : new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(x)),
  pct: (x) => (x === null || x === undefined ? '—' : new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(x)),
  num1: (x) => (x === null || x === undefined ? '—' : new Intl.NumberFormat(locale(), { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(x)),
  time: (ms) => (ms ? new Intl.DateTimeFormat(locale(), { timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(ms) : t('never')),
  dateTime: (ms) => {
    const p = dayParts(ms)
    return `${p.d}/${p.m}/${p.y} ${p.hh}:${p.mm}`
  },
  date: (ms) => {
    const p = dayParts(ms)
    return `${p.d}/${p.m}/${p.y}`
  },
  /** A YYYY-MM-DD local date as 28/11/2026. */
  isoDate: (d) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`,
  /** The month of a YYYY-MM(-DD) date as 11/2026. */
  isoMonth: (d) => `${d.slice(5, 7)}/${d.slice(0, 4)}`,
  /** A weekday 1 (Monday, Thứ Hai) .. 7 (Sunday, Chủ Nhật) by name. */
  weekday: (n) => t('day' + n),
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
// ==== dash-admin block: accounts, shift grid, box secret, server error codes ================
// Kept apart from the shared dictionary above so parallel changes merge cleanly.

const ADMIN_WORDS = {
  vi: {
    day7: 'Chủ Nhật',
    officeDays: 'Ngày làm việc',
    frownShare: 'Tỷ lệ không hài lòng tối đa (%)',
    changePassword: 'Đổi mật khẩu',
    mustChangePassword: 'Mật khẩu này chỉ dùng được một lần. Hãy đặt mật khẩu mới của riêng bạn để tiếp tục.',
    currentPassword: 'Mật khẩu hiện tại',
    newPassword: 'Mật khẩu mới (ít nhất 10 ký tự)',
    repeatPassword: 'Nhập lại mật khẩu mới',
    passwordsDiffer: 'Hai lần nhập mật khẩu mới không giống nhau',
    passwordChanged: 'Đã đổi mật khẩu',
    backToDashboard: 'Về trang chính',
    resetPassword: 'Đặt lại mật khẩu',
    confirmReset: 'Đặt lại mật khẩu của {user}? Mật khẩu cũ sẽ không dùng được nữa.',
    oneTimePassword: 'Mật khẩu dùng một lần của {user} (chỉ hiện một lần; người dùng phải đổi khi đăng nhập):',
    copy: 'Sao chép',
    copied: 'Đã sao chép',
    copyFailed: 'Không sao chép được, hãy chọn và sao chép bằng tay',
    account: 'Tài khoản',
    mustChangeBadge: 'chờ đổi mật khẩu',
    morning: 'Sáng',
    afternoon: 'Chiều',
    nobody: '— Không ai —',
    shiftsOf: 'Lịch trực tuần của',
    saveWeek: 'Lưu cả tuần',
    copyWeekFrom: 'Lấy lịch của quầy',
    copyWeek: 'Sao chép vào lưới',
    copyWeekHint: 'Lịch trực lặp lại mỗi tuần, nên "sao chép tuần" là lấy lịch của một quầy khác vào lưới này; đổi cán bộ nếu cần rồi bấm Lưu cả tuần.',
    mondayToWeek: 'Áp dụng Thứ Hai cho Thứ Ba – Thứ Sáu',
    otherShifts: 'Ca khác (giữ nguyên khi lưu)',
    unsaved: 'Có thay đổi chưa lưu',
    weekSaved: 'Đã lưu lịch trực tuần',
    from2: 'từ',
    to2: 'đến',
    secretCopyHint: 'Nhập mật khẩu này vào hộp khi cài đặt. Máy chủ chỉ lưu bản băm, không xem lại được.',
    currentCounter: '(đang ở đây)',
    moveTo: 'Chuyển hộp {box} sang quầy',
    badTime: 'giờ phải viết dạng 07:30 (24 giờ)',
  },
  en: {
    officeDays: 'Office days',
    frownShare: 'Highest share of "not satisfied" (%)',
    changePassword: 'Change password',
    mustChangePassword: 'This password works only once. Choose a new password of your own to go on.',
    currentPassword: 'Current password',
    newPassword: 'New password (at least 10 characters)',
    repeatPassword: 'New password again',
    passwordsDiffer: 'The two new passwords differ',
    passwordChanged: 'Password changed',
    backToDashboard: 'Back to the dashboard',
    resetPassword: 'Reset password',
    confirmReset: 'Reset the password of {user}? The old one stops working.',
    oneTimePassword: 'One-time password of {user} (shown only once; they must change it at login):',
    copy: 'Copy',
    copied: 'Copied',
    copyFailed: 'Could not copy: select it and copy by hand',
    account: 'Account',
    mustChangeBadge: 'must change password',
    morning: 'Morning',
    afternoon: 'Afternoon',
    nobody: '— Nobody —',
    shiftsOf: 'Weekly shifts of',
    saveWeek: 'Save the week',
    copyWeekFrom: 'Take the week of counter',
    copyWeek: 'Copy into the grid',
    copyWeekHint: 'The schedule repeats every week, so "copy a week" takes another counter\'s week into this grid; change officers if needed, then Save the week.',
    mondayToWeek: 'Apply Monday to Tuesday – Friday',
    otherShifts: 'Other shifts (kept when saving)',
    unsaved: 'Unsaved changes',
    weekSaved: 'Week saved',
    from2: 'from',
    to2: 'to',
    secretCopyHint: 'Enter this secret in the box when installing it. The server keeps only a hash and cannot show it again.',
    currentCounter: '(here now)',
    moveTo: 'Move box {box} to counter',
    badTime: 'write times as 07:30 (24-hour)',
  },
}

// One text per server error code (gateway/http/error-codes.ts); {params} from the answer.
const ERROR_WORDS = {
  vi: {
    INVALID_REQUEST: 'Dữ liệu gửi lên không hợp lệ',
    LOGIN_REQUIRED: 'Phiên đăng nhập đã hết, vui lòng đăng nhập lại',
    FORBIDDEN: 'Bạn không có quyền thực hiện thao tác này',
    NOT_FOUND: 'Không tìm thấy',
    CONFLICT: 'Thao tác không phù hợp với trạng thái hiện tại',
    TOO_MANY_ATTEMPTS: 'Quá nhiều lần thử, vui lòng đợi một phút',
    INTERNAL: 'Máy chủ gặp lỗi; vui lòng thử lại sau hoặc báo quản trị viên',
    CROSS_ORIGIN: 'Yêu cầu từ trang web khác bị từ chối',
    CSRF: 'Phiên làm việc không hợp lệ, vui lòng tải lại trang',
    ROLE_NOT_ALLOWED: 'Vai trò của bạn không được phép thực hiện thao tác này',
    OTHER_OFFICE: 'Đơn vị này không thuộc quyền quản lý của bạn',
    VIEWER_READ_ONLY: 'Người xem không được thay đổi dữ liệu',
    ADMIN_ONLY: 'Chỉ quản trị viên được thực hiện thao tác này',
    PASSWORD_CHANGE_REQUIRED: 'Bạn cần đổi mật khẩu trước khi tiếp tục',
    WRONG_CREDENTIALS: 'Sai tên đăng nhập hoặc mật khẩu',
    WRONG_CURRENT_PASSWORD: 'Mật khẩu hiện tại không đúng',
    PASSWORD_UNCHANGED: 'Mật khẩu mới phải khác mật khẩu hiện tại',
    USER_EXISTS: 'Tên đăng nhập này đã có',
    USER_NOT_FOUND: 'Không tìm thấy người dùng',
    HEAD_NEEDS_OFFICE: 'Trưởng bộ phận phải thuộc một đơn vị',
    ADMIN_NO_OFFICE: 'Quản trị viên không gắn với một đơn vị',
    LAST_ADMIN: 'Không thể xoá hoặc hạ quyền quản trị viên cuối cùng',
    RESET_OWN_PASSWORD: 'Hãy đổi mật khẩu của chính bạn ở trang Đổi mật khẩu',
    OFFICER_ACCOUNT_NEEDS_OFFICER: 'Tài khoản cán bộ phải gắn với một cán bộ',
    ONLY_OFFICER_LINKED: 'Chỉ tài khoản cán bộ mới gắn với một cán bộ',
    INVALID_ID: 'Mã "{id}" không hợp lệ: chỉ dùng chữ không dấu, số, _ . hoặc -, tối đa 64 ký tự',
    INVALID_NAME: 'Tên "{name}" không hợp lệ',
    SECRET_TOO_SHORT: 'Mật khẩu của hộp phải có ít nhất 16 ký tự',
    UNKNOWN_OFFICE: 'Không có đơn vị "{id}"',
    UNKNOWN_COUNTER: 'Không có quầy "{id}"',
    UNKNOWN_OFFICER: 'Không có cán bộ "{id}"',
    UNKNOWN_BOX: 'Không có hộp "{id}"',
    UNKNOWN_SHIFT: 'Không có ca trực này (có thể đã bị xoá)',
    BOX_MOVED_LATER: 'Hộp {box} đã được chuyển sang {counter} sau thời điểm này',
    BOX_NEEDS_COUNTER: 'Hãy chọn cho hộp một quầy thuộc đơn vị của bạn',
    OFFICER_OTHER_OFFICE: 'Cán bộ {officer} thuộc đơn vị khác với {counter}',
    NOT_ON_DUTY: 'Cán bộ {officer} hiện không trực',
    INVALID_SHIFT: 'Ca trực không hợp lệ: giờ bắt đầu phải trước giờ kết thúc, trong cùng một ngày',
    SHIFT_OVERLAP: 'Hai ca trực trùng giờ vào {weekday} ({from}–{to})',
    OFFICER_DOUBLE_BOOKED: 'Cán bộ {officer} đã có lịch ở {counter} vào {weekday}, {from}–{to}',
  },
  en: {
    INVALID_REQUEST: 'The data sent is not valid',
    LOGIN_REQUIRED: 'Your session has ended, please log in again',
    FORBIDDEN: 'You may not do this',
    NOT_FOUND: 'Not found',
    CONFLICT: 'This does not fit the current state',
    TOO_MANY_ATTEMPTS: 'Too many attempts, please wait a minute',
    INTERNAL: 'The server failed; try again later or tell the administrator',
    CROSS_ORIGIN: 'A request from another web site was refused',
    CSRF: 'Your session is not valid here, please reload the page',
    ROLE_NOT_ALLOWED: 'Your role may not do this',
    OTHER_OFFICE: 'That office is not yours to manage',
    VIEWER_READ_ONLY: 'Viewers cannot change anything',
    ADMIN_ONLY: 'Only an administrator may do this',
    PASSWORD_CHANGE_REQUIRED: 'Change your password before going on',
    WRONG_CREDENTIALS: 'Wrong username or password',
    WRONG_CURRENT_PASSWORD: 'The current password is wrong',
    PASSWORD_UNCHANGED: 'The new password must differ from the current one',
    USER_EXISTS: 'That username exists already',
    USER_NOT_FOUND: 'No such user',
    HEAD_NEEDS_OFFICE: 'An office head needs an office',
    ADMIN_NO_OFFICE: 'An administrator is not limited to an office',
    LAST_ADMIN: 'The last administrator cannot be removed or demoted',
    RESET_OWN_PASSWORD: 'Change your own password on the Change password page',
    OFFICER_ACCOUNT_NEEDS_OFFICER: 'An officer account must be linked to an officer',
    ONLY_OFFICER_LINKED: 'Only an officer account is linked to an officer',
    INVALID_ID: 'Id "{id}" is not valid: use letters without accents, digits, _ . or -, at most 64',
    INVALID_NAME: 'Name "{name}" is not valid',
    SECRET_TOO_SHORT: 'A box secret needs at least 16 characters',
    UNKNOWN_OFFICE: 'No office "{id}"',
    UNKNOWN_COUNTER: 'No counter "{id}"',
    UNKNOWN_OFFICER: 'No officer "{id}"',
    UNKNOWN_BOX: 'No box "{id}"',
    UNKNOWN_SHIFT: 'No such shift (it may have been removed)',
    BOX_MOVED_LATER: 'Box {box} was moved to {counter} after that time',
    BOX_NEEDS_COUNTER: 'Choose a counter of your office for the box',
    OFFICER_OTHER_OFFICE: 'Officer {officer} works in another office than {counter}',
    NOT_ON_DUTY: 'Officer {officer} is not on duty',
    INVALID_SHIFT: 'Invalid shift: it must start before it ends, within one day',
    SHIFT_OVERLAP: 'Two shifts overlap on {weekday} ({from}–{to})',
    OFFICER_DOUBLE_BOOKED: 'Officer {officer} is already scheduled at {counter} on {weekday}, {from}–{to}',
  },
}

Object.assign(DICT.vi, ADMIN_WORDS.vi)
Object.assign(DICT.en, ADMIN_WORDS.en)

/** Every error code with its text in each language (for the test that none is missing). */
export const ERROR_TEXTS = ERROR_WORDS

const STATUS_CODES = { 400: 'INVALID_REQUEST', 401: 'LOGIN_REQUIRED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 429: 'TOO_MANY_ATTEMPTS' }

/**
 * The user's-language text of an API error: by its `code` (and `params`), else by its HTTP
 * status; never the server's English message. `nameOf(kind, id)` may turn ids into names
 * (kind: officer, counter, box). Network failures (no status) read as "server unreachable".
 */
export function errorText(err, nameOf = (_kind, id) => id) {
  const words = ERROR_WORDS[lang()]
  const code = err?.code && words[err.code] ? err.code : (STATUS_CODES[err?.status] ?? (err?.status ? 'INTERNAL' : null))
  if (!code) return lang() === 'en' ? 'The server cannot be reached' : 'Không kết nối được máy chủ'
  const p = { ...(err.params ?? {}) }
  if (typeof p.weekday === 'number') p.weekday = t('day' + p.weekday)
  for (const kind of ['officer', 'counter', 'box']) if (p[kind] !== undefined) p[kind] = nameOf(kind, p[kind])
  let text = words[code].replace(/\{(\w+)\}/g, (_, k) => (p[k] === undefined ? '' : String(p[k])))
  if (code === 'INVALID_REQUEST' && p.field) text += ` (${String(p.field).replace(/^\//, '')})`
  return text
}
// ==== end dash-admin block ==================================================================

/**
 * The text of one of the gateway's own alerts (clock, disk, backup), the same on every page.
 * A clock step reads in seconds under a minute ("lùi lại 5 giây"), never "0 phút".
 */
export function systemAlertText(a) {
  const ms = Math.abs(a.byMs ?? 0)
  const en = lang() === 'en'
  const amount = ms < 60_000 ? `${Math.round(ms / 1000)} ${en ? 's' : 'giây'}` : `${Math.round(ms / 60_000)} ${en ? 'min' : 'phút'}`
  return t('alertSystem_' + a.condition, { source: a.source ?? '—', amount, direction: t((a.byMs ?? 0) < 0 ? 'clockBack' : 'clockAhead'), free: a.freeMB, min: a.minFreeMB, message: a.message })
}

/** The text of a tampering alert of rating windows (alerts/tampering.ts), the same on every page. */
export function tamperingAlertText(a, counterName) {
  const s = a.signal
  const hhmm = (ms) => fmt.dateTime(ms).slice(11)
  return t('alertTamper_' + s.kind, { counter: counterName(a.counterId), presses: s.presses, share: fmt.pct(s.share), windows: s.windows, rating: s.rating ? t(s.rating) : '', from: s.from ? hhmm(s.from) : '', to: s.to ? hhmm(s.to) : '' })
}

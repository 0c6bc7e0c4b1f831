/**
 * Logs in as the first admin with the password the gateway printed and changes it, as the
 * dashboard makes them do before anything else (test/http/accounts.test.ts); returns the
 * session cookie that then opens every page and API.
 */
export async function loginFirstAdmin(base: string | URL, admin: { username: string; password: string }, newPassword = 'the admin chose this one'): Promise<string> {
  const cookieOf = (res: Response) =>
    res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .filter((c) => !c.endsWith('='))
      .join('; ')
  const login = await fetch(new URL('/api/login', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) })
  if (login.status !== 200) throw new Error(`login ${admin.username}: ${login.status} ${await login.text()}`)
  const { csrf, user } = (await login.json()) as { csrf: string; user: { mustChangePassword: boolean } }
  if (!user.mustChangePassword) return cookieOf(login)
  const changed = await fetch(new URL('/api/password', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: cookieOf(login), 'x-csrf-token': csrf },
    body: JSON.stringify({ current: admin.password, password: newPassword }),
  })
  if (changed.status !== 204) throw new Error(`password change: ${changed.status} ${await changed.text()}`)
  return cookieOf(changed)
}

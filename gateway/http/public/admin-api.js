// The admin and account pages' JSON requests: dom.js api() (CSRF double submit, 401 back to
// login, a password that must be changed leads to /password), whose errors keep the server's
// stable `code` and `params` for i18n.js errorText.
export { api as call, ApiError as RequestError } from './dom.js'

/** The small login page served while the dashboard is not built (the built one has its own). */

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Its Content-Security-Policy: no scripts, no outside resources, the form posts here only. */
export const LOGIN_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

export function loginPage(options: { next: string; error?: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>timecloud — log in</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; display: grid; place-items: center; min-height: 90vh; margin: 0; color: #222; }
  form { display: grid; gap: .75rem; width: min(24rem, 90vw); }
  input { font: inherit; padding: .5rem; }
  button { font: inherit; padding: .5rem; cursor: pointer; }
  .error { color: #b00020; }
  code { background: #f2f2f2; padding: 0 .25rem; }
</style>
</head>
<body>
<form method="post" action="/login">
  <h1>timecloud</h1>
  ${options.error ? `<p class="error">${escapeHtml(options.error)}</p>` : ''}
  <label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
  <input type="hidden" name="next" value="${escapeHtml(options.next)}">
  <button type="submit">Log in</button>
  <p>The token is in <code>TIMECLOUD_TOKEN</code>, or in the file <code>token</code> of the node's data folder.</p>
</form>
</body>
</html>
`;
}

/** The page at `/` while `ui/dist` is missing. */
export function notBuiltPage(uiDir: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>timecloud</title></head>
<body style="font: 15px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>timecloud</h1>
<p>The dashboard is not built: there is no <code>${escapeHtml(uiDir)}/index.html</code>.</p>
<p>Build it from the timecloud folder with <code>npx vite build ui</code>, then reload this page.
The API answers meanwhile under <code>/api</code> (see <code>/healthz</code>); <a href="/login">log in</a> to use it from this browser.</p>
</body></html>
`;
}

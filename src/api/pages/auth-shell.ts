// The answer to a page request without a valid token when tokens are configured: 401 with a login
// form. A browser sends no Authorization header on a plain navigation, so pages.js keeps the token in
// sessionStorage (never in a URL or a cookie), fetches the page again with the header and shows it.
// Without JavaScript the page says plainly why it cannot be shown and how to call the API instead.

import { esc, page } from './html.ts';

export function renderAuthShell(reason: string): string {
  const body = `<h1>Sign in</h1>
<div id="auth-shell" data-reason="${esc(reason)}">
<noscript><div class="banner bad" id="noscript-401"><b>401: this ovncp-monitor needs an API token.</b>
With tokens configured, every page and API call needs <code>Authorization: Bearer TOKEN</code>. A browser can
send that header only with JavaScript, which is off here. Turn JavaScript on to sign in, or call the API
directly, e.g. <code>curl -H "Authorization: Bearer $TOKEN" http://HOST:9477/api/v1/paths</code>.</div></noscript>
<form id="login-form" hidden>
<p>This daemon needs an API token (the same one the API takes). It is kept in this tab's session storage
and sent as a header; it never appears in a URL.</p>
<p class="unmet" id="login-error"></p>
<label>Token<br><input type="password" id="login-token" autocomplete="current-password" size="40"></label>
<button type="submit" id="login-submit">Sign in</button>
</form>
<p id="auth-loading" hidden>Loading…</p>
</div>`;
  return page('Sign in', body);
}

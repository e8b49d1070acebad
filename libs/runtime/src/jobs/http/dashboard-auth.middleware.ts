import type { NextFunction, Request, Response } from 'express';
import type { DirectoryService, TokenService } from '@app/auth';

/** Where the dashboard lives. */
export const DASHBOARD_ROUTE = '/queues';
/** The session cookie: the operator's access token, scoped to the dashboard's path. */
export const DASHBOARD_COOKIE = 'wf_queues_token';

/**
 * Guards the queue dashboard (a browser app, so no Authorization header on
 * its page loads): a request needs an admin's access token, as a bearer
 * token or in the dashboard cookie.
 *
 * How an operator logs in: open `/queues`; without a session the browser is
 * sent to `/queues/login`, a form that posts to the API's own `POST
 * /auth/login` (same rate limits and lock-outs) and hands the token to `POST
 * /queues/session`, which checks it is an admin's and sets the cookie
 * (HttpOnly, SameSite=Strict, Path=/queues, expiring with the token).
 * `POST /queues/logout` clears it. From a script: send `Authorization: Bearer
 * <token>` instead.
 */
export function dashboardAuth(tokens: TokenService, directory: DirectoryService, route = DASHBOARD_ROUTE) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const path = req.originalUrl.split('?')[0].replace(/\/+$/, '');
      if (path === `${route}/login` && req.method === 'GET') {
        res.status(200).type('html').set('Cache-Control', 'no-store').send(loginPage(route));
        return;
      }
      if (path === `${route}/logout` && req.method === 'POST') {
        res.setHeader('Set-Cookie', cookie('', 0, route, req.secure));
        res.status(204).end();
        return;
      }
      const fromHeader = bearer(req.headers.authorization);
      const token = fromHeader ?? readCookie(req.headers.cookie, DASHBOARD_COOKIE);
      const verdict = token
        ? await check(tokens, directory, token)
        : { ok: false as const, status: 401, message: 'login required' };
      if (path === `${route}/session` && req.method === 'POST') {
        if (!fromHeader) return deny(res, 401, 'send the access token as Authorization: Bearer <token>');
        if (!verdict.ok) return deny(res, verdict.status, verdict.message);
        res.setHeader('Set-Cookie', cookie(fromHeader, verdict.expiresInSeconds, route, req.secure));
        res.status(204).end();
        return;
      }
      if (verdict.ok) return next();
      if (verdict.status === 401 && req.method === 'GET' && (req.headers.accept ?? '').includes('text/html')) {
        res.redirect(302, `${route}/login`);
        return;
      }
      deny(res, verdict.status, verdict.message);
    } catch (error) {
      next(error);
    }
  };
}

type Verdict = { ok: true; expiresInSeconds: number } | { ok: false; status: 401 | 403; message: string };

async function check(tokens: TokenService, directory: DirectoryService, token: string): Promise<Verdict> {
  let claims: Awaited<ReturnType<TokenService['verify']>>;
  try {
    claims = await tokens.verify(token);
  } catch {
    return { ok: false, status: 401, message: 'invalid or expired token: log in again' };
  }
  const person = directory.byId(claims.sub);
  if (!person)
    return { ok: false, status: 401, message: 'the token names a person who is no longer in the organisation' };
  if (!person.roles.includes('admin')) return { ok: false, status: 403, message: 'the queue dashboard is for admins' };
  return { ok: true, expiresInSeconds: Math.max(0, claims.exp - Math.floor(Date.now() / 1000)) };
}

function deny(res: Response, status: number, message: string): void {
  res.status(status).json({ statusCode: status, error: status === 401 ? 'Unauthorized' : 'Forbidden', message });
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim()) || undefined;
  }
  return undefined;
}

function cookie(value: string, maxAgeSeconds: number, path: string, secure: boolean): string {
  return `${DASHBOARD_COOKIE}=${encodeURIComponent(value)}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

function loginPage(route: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>队列看板 · Queue dashboard</title>
<style>body{font-family:sans-serif;max-width:22rem;margin:4rem auto}label,input,button{display:block;width:100%;margin:.4rem 0}#error{color:#b00}</style>
</head><body>
<h1>队列看板</h1><p>Queue dashboard — administrators only.</p>
<form id="login"><label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button></form><p id="error" role="alert"></p>
<script>
document.getElementById('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(e.target), err = document.getElementById('error');
  err.textContent = '';
  const r = await fetch('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: f.get('username'), password: f.get('password') }) });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) { err.textContent = body.message || ('login failed: ' + r.status); return; }
  const s = await fetch('${route}/session', { method: 'POST', headers: { authorization: 'Bearer ' + body.accessToken } });
  if (!s.ok) { const b = await s.json().catch(() => ({})); err.textContent = b.message || ('refused: ' + s.status); return; }
  location.href = '${route}';
});
</script></body></html>`;
}

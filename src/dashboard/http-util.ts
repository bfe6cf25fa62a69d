/** Small HTTP helpers: JSON and HTML answers with safe headers, HTML escaping, and the 404 pages. */
import type { ServerResponse } from 'node:http';

/** Every page and script comes from this server; nothing inline, nothing from elsewhere. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function baseHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'x-content-type-options': 'nosniff',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  // Non-finite numbers become null, as the run store writes them.
  const body = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
  res.writeHead(status, baseHeaders('application/json; charset=utf-8'));
  res.end(body);
}

export function sendBody(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  res.writeHead(status, baseHeaders(contentType));
  res.end(body);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  sendBody(res, status, 'text/html; charset=utf-8', html);
}

export function notFoundHtml(path: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>404 not found</title><link rel="stylesheet" href="/assets/style.css"></head>
<body><main class="not-found"><h1>404: not found</h1><p>${escapeHtml(message)}</p><p><code>${escapeHtml(path)}</code></p>
<p><a href="/">back to the run list</a></p></main></body></html>
`;
}

/** 404 as JSON under /api/, as an HTML page elsewhere. */
export function sendNotFound(res: ServerResponse, path: string, message: string): void {
  if (path.startsWith('/api/')) sendJson(res, 404, { error: 'not found', path, message });
  else sendHtml(res, 404, notFoundHtml(path, message));
}

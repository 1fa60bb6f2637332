/**
 * The operators' web console: `GET /console`, one static page plus its script and style sheet, from
 * `./console/` next to this module (the build copies the folder into dist/). The page is public — it holds no
 * data; everything it shows comes from the public HTTP/JSON API, which checks the bearer token the page
 * sends, as it does for any other client. A strict Content-Security-Policy allows scripts, styles and
 * connections from this origin only: no inline script, no eval, no framing.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const FOLDER = fileURLToPath(new URL('./console/', import.meta.url));

const ASSETS = {
  '/console': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
} as const;

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // Revalidate each time: a new server version serves its own console at once.
  'cache-control': 'no-cache',
};

/** Read once per process, on first use (three small files). */
const contents = new Map<string, Buffer>();
function read(file: string): Buffer {
  let body = contents.get(file);
  if (body === undefined) contents.set(file, (body = readFileSync(FOLDER + file)));
  return body;
}

/** Registers the console's routes; every other path under /console stays the API's 404. */
export function registerConsole(app: FastifyInstance): void {
  for (const [path, { file, type }] of Object.entries(ASSETS)) {
    app.get(path, (_request, reply) => reply.code(200).headers(HEADERS).header('content-type', type).send(read(file)));
  }
  // The page's links are relative to `/console` (so it also works behind a proxy that adds a path prefix):
  // `/console/` would resolve them one level too deep, so it redirects, relatively too.
  app.get('/console/', (_request, reply) => reply.code(308).header('location', '../console').send());
}

// /docs: Swagger UI on the API's own /openapi.json, its assets served by this server from the npm
// package swagger-ui-dist at the version package.json pins. No CDN: the page works without
// internet access, and what it runs is what the lock file reviewed. Asset paths carry the
// version, so browsers may keep them for good.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../deps';

const DIST = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const VERSION = (JSON.parse(readFileSync(path.join(DIST, 'package.json'), 'utf8')) as { version: string }).version;
export const DOCS_ASSETS = `/docs/swagger-ui-${VERSION}`;

const TYPES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

// Our start-up script, a file rather than inline, so the page needs no 'unsafe-inline'.
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>ordersaga API</title>
  <link rel="icon" type="image/png" href="${DOCS_ASSETS}/favicon-32x32.png">
  <link rel="stylesheet" href="${DOCS_ASSETS}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_ASSETS}/swagger-ui-bundle.js"></script>
  <script src="${DOCS_ASSETS}/init.js"></script>
</body>
</html>
`;

export function docsRoutes() {
  const app = new Hono<AppEnv>();
  const files = new Map<string, Buffer>(); // read once, on first request
  app.get('/docs', (c) => c.html(PAGE));
  app.get(`${DOCS_ASSETS}/:file`, (c) => {
    const name = c.req.param('file');
    const immutable = { 'Cache-Control': 'public, max-age=31536000, immutable' };
    if (name === 'init.js') return c.body(INIT, 200, { ...immutable, 'Content-Type': 'text/javascript; charset=utf-8' });
    const type = TYPES[name];
    if (!type) return c.notFound();
    let body = files.get(name);
    if (!body) files.set(name, (body = readFileSync(path.join(DIST, name))));
    return c.body(new Uint8Array(body), 200, { ...immutable, 'Content-Type': type });
  });
  return app;
}

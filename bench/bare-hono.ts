// The HTTP floor: a plain Hono app with one route on @hono/node-server, nothing else (no
// middleware, no validation, no I/O). `PORT=... npx tsx bench/bare-hono.ts`
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.get('/', (c) => c.json({ ok: true }));
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3999), hostname: '127.0.0.1' });

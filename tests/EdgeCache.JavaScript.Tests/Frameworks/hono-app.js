// A small Hono app of the kind people deploy to Workers: routing with parameters, JSON, middleware,
// headers, cookies, 404s and errors. FrameworkTests bundles it with esbuild and runs the bundle as it is.
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

const app = new Hono();

app.use('*', async (c, next) => {
  await next();
  c.header('x-powered-by', 'hono-on-edgecache');
});

app.get('/', (c) => c.text('Hello Hono!'));
app.get('/users/:id', (c) => c.json({ id: c.req.param('id'), q: c.req.query('q') ?? null }));
app.post('/echo', async (c) => c.json({ received: await c.req.json() }, 201));
app.get('/cookie', (c) => {
  setCookie(c, 'visited', 'yes', { path: '/', httpOnly: true });
  return c.text(`seen before: ${getCookie(c, 'visited') ?? 'no'}`);
});
app.get('/html', (c) => c.html('<h1>Hono</h1>'));
app.get('/redirect', (c) => c.redirect('/users/7', 302));
app.get('/env', (c) => c.text(`greeting=${c.env.GREETING}`));
app.get('/boom', () => { throw new Error('route failed'); });
app.onError((err, c) => c.json({ error: err.message }, 500));
app.notFound((c) => c.json({ missing: c.req.path }, 404));

export default app;

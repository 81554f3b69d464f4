addEventListener('fetch', event => {
  event.respondWith((async () => {
    const r = event.request;
    const body = r.method === 'GET' || r.method === 'HEAD' ? null : await r.text();
    return Response.json({ method: r.method, path: new URL(r.url).pathname, body, type: r.headers.get('content-type'), custom: r.headers.get('x-test') });
  })());
});

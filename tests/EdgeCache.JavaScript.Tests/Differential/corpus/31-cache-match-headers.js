export default {
  async fetch() {
    const key = 'https://cache.example/mutable';
    await caches.default.put(key, new Response('x', { headers: { 'cache-control': 'max-age=300' } }));
    const hit = await caches.default.match(key);
    let error = null;
    try { hit.headers.set('x-changed', '1'); } catch (e) { error = e.constructor.name; }
    return Response.json({ error, changed: hit.headers.get('x-changed'), status: hit.status });
  },
};

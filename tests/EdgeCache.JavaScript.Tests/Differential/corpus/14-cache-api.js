export default {
  async fetch(request) {
    const cache = caches.default;
    const key = new Request('https://cache.example/item');
    const before = await cache.match(key);
    await cache.put(key, new Response('cached body', { headers: { 'cache-control': 'max-age=300', 'x-stored': '1' } }));
    const hit = await cache.match(key);
    const text = hit ? await hit.text() : null;
    const deleted = await cache.delete(key);
    const after = await cache.match(key);
    return Response.json({ before: before === undefined, text, stored: hit?.headers.get('x-stored'), deleted, after: after === undefined });
  },
};

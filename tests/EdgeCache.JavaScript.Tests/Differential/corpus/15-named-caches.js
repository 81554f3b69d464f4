export default {
  async fetch() {
    const key = 'https://cache.example/shared';
    const one = await caches.open('one');
    await one.put(key, new Response('in one', { headers: { 'cache-control': 'max-age=300' } }));
    const two = await caches.open('two');
    return Response.json({ one: await (await one.match(key))?.text(), two: (await two.match(key)) === undefined, dflt: (await caches.default.match(key)) === undefined });
  },
};

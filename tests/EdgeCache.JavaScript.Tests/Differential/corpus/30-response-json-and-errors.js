export default {
  async fetch() {
    const problems = [];
    for (const attempt of [
      () => new Response('x', { status: 99 }),
      () => new Response('x', { status: 204 }),
      () => Response.redirect('https://a.example/', 200),
      () => new Headers([['bad name', 'v']]),
      () => new Request('not a url'),
    ]) {
      try { attempt(); problems.push('none'); } catch (e) { problems.push(e.constructor.name); }
    }
    const r = Response.json([1, 2], { headers: { 'x-a': 'b' } });
    return Response.json({ problems, type: r.headers.get('content-type'), body: await r.json() });
  },
};

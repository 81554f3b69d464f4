export default {
  async fetch(request) {
    return Response.json({ path: new URL(request.url).pathname, list: [1, 'two', null], nested: { ok: true } }, { status: 201, headers: { 'x-kind': 'json' } });
  },
};

export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === '/') return new Response(null, { status: 204, headers: { 'x-empty': 'yes' } });
    if (path === '/echo') return new Response('teapot', { status: 418, statusText: 'I am a teapot' });
    return new Response('gone', { status: 410 });
  },
};

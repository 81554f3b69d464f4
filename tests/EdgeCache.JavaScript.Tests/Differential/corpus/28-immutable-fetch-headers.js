export default {
  async fetch(request, env) {
    const response = await fetch(env.ORIGIN + '/data');
    let error = null;
    try { response.headers.set('x-nope', '1'); } catch (e) { error = e.constructor.name; }
    const rebuilt = new Response(response.body, response);
    rebuilt.headers.set('x-yes', '1');
    return Response.json({ error, yes: rebuilt.headers.get('x-yes'), status: rebuilt.status, type: rebuilt.headers.get('content-type') });
  },
};

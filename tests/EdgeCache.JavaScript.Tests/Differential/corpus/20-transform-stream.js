export default {
  async fetch(request, env) {
    const upstream = await fetch(env.ORIGIN + '/data');
    const upper = new TransformStream({
      transform(chunk, controller) { controller.enqueue(new TextEncoder().encode(new TextDecoder().decode(chunk).toUpperCase())); },
    });
    return new Response(upstream.body.pipeThrough(upper), { headers: { 'content-type': 'text/plain' } });
  },
};

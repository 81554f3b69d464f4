export default {
  async fetch(request, env) {
    const response = await fetch(env.ORIGIN + '/data');
    const copy = new Response(response.body, response);
    copy.headers.set('x-worker', 'seen');
    copy.headers.delete('set-cookie');
    return copy;
  },
};

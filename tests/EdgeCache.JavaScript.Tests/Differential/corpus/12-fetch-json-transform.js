export default {
  async fetch(request, env) {
    const data = await (await fetch(env.ORIGIN + '/json')).json();
    return Response.json({ sum: data.b.reduce((a, b) => a + b, 0), a: data.a });
  },
};

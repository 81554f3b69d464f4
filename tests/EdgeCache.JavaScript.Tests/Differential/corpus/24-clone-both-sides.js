export default {
  async fetch(request, env) {
    const response = await fetch(env.ORIGIN + '/data');
    const copy = response.clone();
    const [a, b] = await Promise.all([response.text(), copy.text()]);
    return Response.json({ same: a === b, a, used: response.bodyUsed });
  },
};

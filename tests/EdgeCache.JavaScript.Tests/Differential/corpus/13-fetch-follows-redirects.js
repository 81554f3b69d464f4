export default {
  async fetch(request, env) {
    const followed = await fetch(env.ORIGIN + '/redirect');
    const manual = await fetch(env.ORIGIN + '/redirect', { redirect: 'manual' });
    return Response.json({ status: followed.status, redirected: followed.redirected, url: new URL(followed.url).pathname, body: await followed.text(), manual: manual.status, location: new URL(manual.headers.get('location'), env.ORIGIN).pathname });
  },
};

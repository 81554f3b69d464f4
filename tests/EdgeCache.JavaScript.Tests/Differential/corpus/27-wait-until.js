export default {
  async fetch(request, env, ctx) {
    let done = false;
    ctx.waitUntil(new Promise(resolve => setTimeout(() => { done = true; resolve(); }, 5)));
    return new Response(`responded before waitUntil finished: ${!done}`);
  },
};

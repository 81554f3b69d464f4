export default {
  async fetch(request, env) {
    return new Response(`hello from a module, origin set: ${typeof env.ORIGIN === 'string'}`);
  },
};

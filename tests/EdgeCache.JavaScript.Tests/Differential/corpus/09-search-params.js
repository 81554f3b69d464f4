export default {
  async fetch(request) {
    const params = new URL(request.url).searchParams;
    params.append('added', 'a b&c');
    params.sort();
    return Response.json({ string: params.toString(), entries: [...params], y: params.get('y'), missing: params.get('nope') });
  },
};

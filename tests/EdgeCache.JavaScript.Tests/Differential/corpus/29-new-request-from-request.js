export default {
  async fetch(request) {
    const copy = new Request('https://other.example/x?y=1', request);
    const post = new Request('https://other.example/post', { method: 'post', body: 'payload', headers: { 'X-A': '1' } });
    return Response.json({ url: copy.url, method: copy.method, post: [post.method, post.headers.get('x-a'), post.headers.get('content-type'), await post.text()], redirect: copy.redirect });
  },
};

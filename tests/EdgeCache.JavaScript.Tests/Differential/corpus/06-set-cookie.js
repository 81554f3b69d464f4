export default {
  async fetch() {
    const headers = new Headers();
    headers.append('Set-Cookie', 'a=1; Path=/');
    headers.append('Set-Cookie', 'b=2; HttpOnly');
    headers.append('x-count', String(headers.getSetCookie().length));
    return new Response('cookies', { headers });
  },
};

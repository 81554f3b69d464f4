export default {
  async fetch(request) {
    const parts = (u) => [u.href, u.protocol, u.host, u.hostname, u.port, u.pathname, u.search, u.hash, u.origin];
    return Response.json([
      parts(new URL(request.url)),
      parts(new URL('https://example.com:8443/a/b?c=d#e')),
      parts(new URL('/relative/path?q', 'http://base.example/dir/file')),
      parts(new URL('HTTP://EXAMPLE.COM/%7Euser/./x/../y')),
    ]);
  },
};

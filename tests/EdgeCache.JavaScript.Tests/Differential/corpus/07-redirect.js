export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/') return Response.redirect(new URL('/target?from=root', request.url).toString(), 301);
    return Response.redirect('https://elsewhere.example/landing', 307);
  },
};

export default {
  async fetch() {
    const html = '<!doctype html><html><head><title>t</title></head><body><h1>Héllo</h1></body></html>';
    return new Response(html, { headers: { 'content-type': 'text/html;charset=UTF-8' } });
  },
};

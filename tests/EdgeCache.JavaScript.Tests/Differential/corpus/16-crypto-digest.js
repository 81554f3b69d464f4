export default {
  async fetch() {
    const hex = (b) => [...new Uint8Array(b)].map(x => x.toString(16).padStart(2, '0')).join('');
    const data = new TextEncoder().encode('The quick brown fox');
    return Response.json({
      sha1: hex(await crypto.subtle.digest('SHA-1', data)),
      sha256: hex(await crypto.subtle.digest('SHA-256', data)),
      sha512: hex(await crypto.subtle.digest({ name: 'SHA-512' }, data)),
    });
  },
};

export default {
  async fetch() {
    const bytes = new TextEncoder().encode('ünïcödé ✓ 😀');
    const decoded = new TextDecoder().decode(bytes);
    return Response.json({ length: bytes.length, decoded, b64: btoa('binary\x00\xff'), back: atob('YmluYXJ5AP8=').length, encoding: new TextDecoder().encoding });
  },
};

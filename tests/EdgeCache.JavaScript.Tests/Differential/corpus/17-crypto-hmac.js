export default {
  async fetch() {
    const enc = new TextEncoder();
    const key = await crypto.subtle.importKey('raw', enc.encode('secret'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    const sig = await crypto.subtle.sign('HMAC', key, enc.encode('message'));
    const ok = await crypto.subtle.verify('HMAC', key, sig, enc.encode('message'));
    const bad = await crypto.subtle.verify('HMAC', key, sig, enc.encode('tampered'));
    return Response.json({ sig: btoa(String.fromCharCode(...new Uint8Array(sig))), ok, bad, type: key.type, algorithm: key.algorithm.name, hash: key.algorithm.hash.name });
  },
};

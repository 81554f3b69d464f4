export default {
  async fetch() {
    const hex = (b) => [...new Uint8Array(b)].map(x => x.toString(16).padStart(2, '0')).join('');
    const enc = new TextEncoder();
    const key = await crypto.subtle.importKey('raw', enc.encode('secret'), { name: 'HMAC', hash: 'SHA-384' }, false, ['sign', 'verify']);
    const signature = await crypto.subtle.sign('HMAC', key, enc.encode('message'));
    const tampered = new Uint8Array(signature);
    tampered[0] ^= 1;
    return Response.json({
      sha384: hex(await crypto.subtle.digest('SHA-384', enc.encode(''))),
      digestOfBuffer: hex(await crypto.subtle.digest('SHA-256', enc.encode('abc').buffer)),
      hmac384: hex(signature),
      verifies: await crypto.subtle.verify('HMAC', key, signature, enc.encode('message')),
      tamperedVerifies: await crypto.subtle.verify('HMAC', key, tampered, enc.encode('message')),
      keyInfo: [key.type, key.extractable, key.algorithm.name, key.algorithm.hash.name, key.usages],
      timingSafeEqual: [crypto.subtle.timingSafeEqual(enc.encode('abc'), enc.encode('abc')), crypto.subtle.timingSafeEqual(enc.encode('abc'), enc.encode('abd'))],
    });
  },
};

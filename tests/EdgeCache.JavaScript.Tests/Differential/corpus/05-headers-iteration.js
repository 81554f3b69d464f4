export default {
  async fetch() {
    const h = new Headers({ 'X-Zeta': 'z', 'x-alpha': 'a' });
    h.append('X-Alpha', 'b');
    h.set('x-mid', '  padded  ');
    h.delete('x-zeta');
    const seen = [];
    h.forEach((value, name) => seen.push(`${name}=${value}`));
    return Response.json({ entries: [...h], keys: [...h.keys()], get: h.get('X-ALPHA'), has: h.has('x-zeta'), seen });
  },
};

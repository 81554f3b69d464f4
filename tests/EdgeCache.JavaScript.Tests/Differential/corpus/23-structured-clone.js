export default {
  async fetch() {
    const original = { when: new Date(0), set: new Set([1, 2]), map: new Map([['k', [1, 2]]]), bytes: new Uint8Array([1, 2, 3]) };
    original.self = original;
    const copy = structuredClone(original);
    let error = null;
    try { structuredClone({ f: () => 1 }); } catch (e) { error = e.name; }
    return Response.json({ distinct: copy !== original, cycle: copy.self === copy, when: copy.when.toISOString(), set: [...copy.set], map: [...copy.map], bytes: [...copy.bytes], error });
  },
};

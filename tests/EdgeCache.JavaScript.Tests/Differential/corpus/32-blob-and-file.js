export default {
  async fetch() {
    const blob = new Blob(['héllo ', new Uint8Array([119, 111]), new Blob(['rld'])], { type: 'Text/Plain' });
    const file = new File([blob], 'greeting.txt', { type: 'text/plain', lastModified: 1700000000000 });
    const sliced = blob.slice(1, -2, 'x/y');
    const fromStream = await new Response(blob.stream()).text();
    return Response.json({
      size: blob.size, type: blob.type, text: await blob.text(),
      bytes: [...new Uint8Array(await blob.arrayBuffer())].slice(0, 4),
      slice: [sliced.size, sliced.type, await sliced.text()],
      negative: await blob.slice(-3).text(),
      file: [file.name, file.size, file.type, file.lastModified, file instanceof Blob, Object.prototype.toString.call(file)],
      badType: new Blob([], { type: 'ü' }).type,
      fromStream,
    });
  },
};

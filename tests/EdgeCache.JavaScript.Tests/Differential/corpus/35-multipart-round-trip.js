export default {
  async fetch() {
    const form = new FormData();
    form.append('field', 'value with "quotes" and\nnewline');
    form.append('upload', new File(['\u0000\u00ffbinary'], 'data.bin', { type: 'application/octet-stream' }));
    form.append('text', new File(['hello'], 'hello.txt', { type: 'text/plain' }));
    const request = new Request('https://example.com/upload', { method: 'POST', body: form });
    const type = request.headers.get('content-type');
    const parsed = await request.formData();
    const upload = parsed.get('upload');
    const text = parsed.get('text');
    const urlencoded = await new Response('a=1&b=two+words&a=3', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }).formData();
    let wrongType;
    try { await new Response('x', { headers: { 'content-type': 'text/plain' } }).formData(); wrongType = 'no error'; } catch (e) { wrongType = e.name; }
    return Response.json({
      multipart: type.startsWith('multipart/form-data; boundary='),
      field: parsed.get('field'),
      upload: [upload instanceof File, upload.name, upload.type, upload.size, [...new Uint8Array(await upload.arrayBuffer())].slice(0, 3)],
      text: [text.name, text.type, await text.text()],
      urlencoded: [urlencoded.getAll('a'), urlencoded.get('b')],
      wrongType,
    });
  },
};

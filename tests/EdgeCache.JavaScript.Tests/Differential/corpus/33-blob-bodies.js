export default {
  async fetch(request, env) {
    const response = new Response(new Blob(['{"a":1}'], { type: 'application/json' }));
    const untyped = new Response(new Blob(['x']));
    const body = await request.clone().blob();
    return Response.json({
      contentType: response.headers.get('content-type'),
      untypedContentType: untyped.headers.get('content-type'),
      json: await response.json(),
      requestBlob: [body.size, body.type, await body.text()],
      blobFromFetch: await (await fetch(env.ORIGIN + '/data')).blob().then(b => [b.size, b.type]),
    });
  },
};

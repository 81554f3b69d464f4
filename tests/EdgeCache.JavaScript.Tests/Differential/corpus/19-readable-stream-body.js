export default {
  async fetch() {
    const encoder = new TextEncoder();
    const parts = ['first ', 'second ', 'third'];
    const stream = new ReadableStream({
      pull(controller) {
        const next = parts.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(encoder.encode(next));
      },
    });
    return new Response(stream, { headers: { 'content-type': 'text/plain' } });
  },
};

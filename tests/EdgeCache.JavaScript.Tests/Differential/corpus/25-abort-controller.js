export default {
  async fetch() {
    const controller = new AbortController();
    const events = [];
    controller.signal.addEventListener('abort', () => events.push('abort'));
    controller.abort(new Error('why'));
    let thrown = null;
    try { controller.signal.throwIfAborted(); } catch (e) { thrown = e.message; }
    return Response.json({ aborted: controller.signal.aborted, events, thrown, already: AbortSignal.abort().aborted });
  },
};

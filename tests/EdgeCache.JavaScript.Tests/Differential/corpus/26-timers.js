export default {
  async fetch() {
    const order = [];
    await new Promise(resolve => {
      setTimeout(() => order.push('timeout 10'), 10);
      const cancelled = setTimeout(() => order.push('cancelled'), 5);
      clearTimeout(cancelled);
      queueMicrotask(() => order.push('microtask'));
      setTimeout(() => { order.push('timeout 30'); resolve(); }, 30);
    });
    return Response.json(order);
  },
};

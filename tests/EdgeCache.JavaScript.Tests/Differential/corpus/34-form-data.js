export default {
  async fetch() {
    const form = new FormData();
    form.append('name', 'Ada');
    form.append('name', 'Grace');
    form.append('file', new Blob(['file body'], { type: 'text/plain' }), 'notes.txt');
    form.append('blob', new Blob(['b']));
    form.set('single', 'one');
    form.set('single', 'two');
    const listed = [];
    for (const [key, value] of form) listed.push([key, typeof value === 'string' ? value : `${value.constructor.name}:${value.name}:${value.type}:${value.size}`]);
    const copy = new FormData();
    copy.append('x', 'y');
    copy.delete('x');
    return Response.json({
      get: form.get('name'), getAll: form.getAll('name'), has: [form.has('file'), form.has('nope')], missing: form.get('nope'),
      listed, emptyAfterDelete: [...copy].length, tag: Object.prototype.toString.call(form),
    });
  },
};

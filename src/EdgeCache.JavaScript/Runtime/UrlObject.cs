using Jint;
using Jint.Native;
using Jint.Native.Object;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// A JavaScript <c>URL</c>: the fast path's parts of a plain URL (<see cref="PlainUrl"/>, shared between URLs of the
/// same string), or else the whatwg-url object that does the work (the full parser, the setters,
/// <c>searchParams</c>). A URL starts with parts when it can and changes to the whatwg-url object for good the first
/// time a setter or <c>searchParams</c> needs it. Its getters are C# functions (WorkerRuntime.Url.cs).
/// </summary>
internal sealed class UrlObject : ObjectInstance
{
    public UrlObject(Engine engine, ObjectInstance prototype, PlainUrl? parts, ObjectInstance? full)
        : base(engine)
    {
        Prototype = prototype;
        Parts = parts;
        Full = full;
    }

    /// <summary>The fast path's answer; null once <see cref="Full"/> is used.</summary>
    public PlainUrl? Parts { get; private set; }

    /// <summary>The whatwg-url URL; null while <see cref="Parts"/> answer.</summary>
    public ObjectInstance? Full { get; private set; }

    public void Use(PlainUrl parts)
    {
        Parts = parts;
        Full = null;
    }

    public void Use(ObjectInstance full)
    {
        Full = full;
        Parts = null;
    }
}

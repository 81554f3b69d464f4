using Jint;
using Jint.Native;
using Jint.Native.Object;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// A JavaScript <c>Cache</c> (<c>caches.default</c> or one of <c>caches.open</c>): its prototype is fetch.js's
/// <c>Cache.prototype</c>, whose <c>match</c> and <c>delete</c> are C# functions (WorkerRuntime.Caches.cs) that
/// read the cache's name from here. As a prelude class with a private <c>#name</c>, a lookup cost four JavaScript
/// calls before the host's.
/// </summary>
internal sealed class CacheObject : ObjectInstance
{
    public CacheObject(Engine engine, ObjectInstance prototype, JsValue name)
        : base(engine)
    {
        Prototype = prototype;
        Name = name;
    }

    /// <summary>The name given to <c>caches.open</c>; null for <c>caches.default</c>.</summary>
    public JsValue Name { get; }
}

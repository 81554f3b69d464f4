using Jint;
using Jint.Native;
using Jint.Native.Object;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// A JavaScript <c>FetchEvent</c> (its prototype is fetch.js's <c>FetchEvent.prototype</c>, whose members are C#
/// functions, WorkerRuntime.Events.cs): the host makes one per request of a service worker and reads what the
/// listeners did (<c>respondWith</c>) from its fields. As a prelude class it cost two private state objects
/// (its own and <c>Event</c>'s) and a JavaScript call per member.
/// </summary>
internal sealed class FetchEventObject : ObjectInstance
{
    public FetchEventObject(Engine engine, ObjectInstance prototype, JsValue type, JsValue request, int requestId, bool cancelable, double timeStamp)
        : base(engine)
    {
        Prototype = prototype;
        EventType = type;
        Request = request;
        RequestId = requestId;
        Cancelable = cancelable;
        TimeStamp = timeStamp;
    }

    public JsValue EventType { get; }

    public JsValue Request { get; }

    /// <summary>The request it was dispatched for (0 for an event a script made).</summary>
    public int RequestId { get; }

    public bool Cancelable { get; }

    public double TimeStamp { get; }

    public bool DefaultPrevented { get; set; }

    /// <summary><c>stopImmediatePropagation()</c> was called.</summary>
    public bool Stopped { get; set; }

    public bool Responded { get; set; }

    /// <summary>What <c>respondWith</c> was given: a Response or a promise of one.</summary>
    public JsValue Response { get; set; } = Undefined;
}

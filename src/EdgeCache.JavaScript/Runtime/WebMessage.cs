using Jint;
using Jint.Native;
using Jint.Native.Object;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// A JavaScript <c>Request</c> or <c>Response</c> (its prototype is fetch.js's <c>Request.prototype</c> or
/// <c>Response.prototype</c>, or a subclass's): its state is C# slots, not a JavaScript object. The prelude
/// reads and writes a slot as <c>message[kBody]</c> with a private symbol (<see cref="MessageSlots"/>) that
/// this object answers from its array without a property table; the getters scripts use (<c>url</c>,
/// <c>status</c>, ...) are C# functions reading the array. Before, each message carried a state object of
/// ten properties under a symbol key (a property table on the message and one on the state): about 0.9 KB
/// and a JavaScript call per message made from C#.
/// </summary>
internal sealed class WebMessage : ObjectInstance
{
    public WebMessage(Engine engine, MessageSlots slots, ObjectInstance prototype, bool isRequest)
        : base(engine)
    {
        Keys = slots;
        IsRequest = isRequest;
        Prototype = prototype;
        Slots = [Undefined, Undefined, Undefined, Undefined, Undefined, Undefined, JsBoolean.False, Null, Undefined, Undefined, Undefined, JsBoolean.False, Undefined];
    }

    public bool IsRequest { get; }

    public MessageSlots Keys { get; }

    /// <summary>The state, indexed by <see cref="MessageSlots"/>' constants.</summary>
    public JsValue[] Slots { get; }

    public HeaderList? Headers => Slots[MessageSlots.Headers] as HeaderList;

    public override JsValue Get(JsValue property, JsValue receiver)
        => property is JsSymbol && Keys.IndexOf(property) is var index and >= 0 ? Slots[index] : base.Get(property, receiver);

    public override bool Set(JsValue property, JsValue value, JsValue receiver)
    {
        if (property is JsSymbol && ReferenceEquals(receiver, this) && Keys.IndexOf(property) is var index and >= 0)
        {
            Slots[index] = value;
            return true;
        }

        return base.Set(property, value, receiver);
    }
}

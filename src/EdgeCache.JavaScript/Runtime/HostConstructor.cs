using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// A global constructor written in C# (<c>URL</c>, <c>Request</c>): <c>new X(...)</c> runs the host's
/// construct function without a JavaScript call. A prelude class whose constructor only called the host
/// cost the interpreter a function environment, a <c>this</c> object it threw away and the private fields' storage
/// on every request (the reference example makes a URL and a Request per hit). The prototype stays the prelude's
/// (its JavaScript methods), subclasses work (<c>super(...)</c> passes their <c>new.target</c>), and calling it
/// without <c>new</c> is a TypeError, as for a class.
/// </summary>
internal sealed class HostConstructor : Jint.Native.Constructor
{
    private static readonly JsString PrototypeKey = new("prototype");

    private readonly ObjectInstance _prototype;
    private readonly Func<JsValue[], ObjectInstance, ObjectInstance> _construct;
    private readonly string _name;

    /// <param name="engine">The engine.</param>
    /// <param name="name">The constructor's <c>name</c>.</param>
    /// <param name="length">Its <c>length</c>, as the prelude class had it.</param>
    /// <param name="prototype">Its <c>prototype</c>; its <c>constructor</c> is pointed here.</param>
    /// <param name="construct">The arguments and the new object's prototype (new.target's) to the new object.</param>
    public HostConstructor(Engine engine, string name, int length, ObjectInstance prototype, Func<JsValue[], ObjectInstance, ObjectInstance> construct)
        : base(engine, name)
    {
        _name = name;
        _prototype = prototype;
        _construct = construct;
        _prototypeDescriptor = new PropertyDescriptor(prototype, PropertyFlag.AllForbidden);
        DefineOwnProperty("length", new PropertyDescriptor(JsNumber.Create(length), PropertyFlag.Configurable));
        prototype.DefineOwnProperty("constructor", new PropertyDescriptor(this, PropertyFlag.NonEnumerable));
    }

    public override ObjectInstance Construct(JsValue[] arguments, JsValue newTarget)
    {
        var prototype = ReferenceEquals(newTarget, this) || newTarget is not ObjectInstance target
            ? _prototype
            : target.Get(PrototypeKey) as ObjectInstance ?? _prototype;
        return _construct(arguments, prototype);
    }

    protected override JsValue Call(JsValue thisObject, JsValue[] arguments)
        => throw new JavaScriptException(_engine.Intrinsics.TypeError,
            $"Failed to construct '{_name}': Please use the 'new' operator, this DOM object constructor cannot be called as a function.");
}

using Jint;
using Jint.Native;
using Jint.Native.Function;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// The worker model in C#: <c>FetchEvent</c> objects (<see cref="FetchEventObject"/>), the dispatch of a request
/// to a service worker's fetch listeners, and the hand-over of the Response it gets. Done in the prelude, the
/// dispatch cost a JavaScript call per step (the event, the listener loop, respondWith, the delivery).
/// </summary>
internal sealed partial class WorkerRuntime
{
    private static readonly JsString FetchType = new("fetch");
    private static readonly JsString HandleEvent = new("handleEvent");
    private static readonly JsString StatusKey = new("status");
    private static readonly JsString StatusTextKey = new("statusText");

    private ObjectInstance? _fetchEventPrototype;
    private JsArray? _fetchListeners;
    private JsValue _deliver = JsValue.Undefined;
    private JsValue _describeError = JsValue.Undefined;
    private JsValue _waitUntil = JsValue.Undefined;
    private JsValue _bodyForHost = JsValue.Undefined;
    private JsValue _domException = JsValue.Undefined;

    private void AddEventFunctions(Action<string, Func<JsValue[], JsValue>> add)
    {
        // fetchEventNew(prototype, type, request, cancelable): new FetchEvent(type, init) from a script.
        add("fetchEventNew", a => new FetchEventObject(_engine, a[0] as ObjectInstance ?? _fetchEventPrototype!, a[1], a[2], 0, a[3].AsBoolean(), Now()));
        add("fetchEventInstall", a =>
        {
            InstallFetchEvent(a[0].AsObject());
            return JsValue.Undefined;
        });
        add("fetchEventStopped", a => a[0] is FetchEventObject { Stopped: true } ? JsBoolean.True : JsBoolean.False);
    }

    private double Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Takes what the prelude hands over for the dispatch, once it has run.</summary>
    private void BindDispatch(JsObject shared)
    {
        _fetchListeners = shared.Get("fetchListeners").AsArray();
        _deliver = shared.Get("deliver");
        _describeError = shared.Get("describeError");
        _waitUntil = shared.Get("waitUntil");
        _bodyForHost = shared.Get("bodyForHost");
        _domException = _engine.Global.Get("DOMException");
    }

    /// <summary>
    /// A request to a service worker: a FetchEvent to each fetch listener in turn, then the Response given to
    /// respondWith (or, when none was, the origin's). Ends in Respond, Fail or a forward.
    /// </summary>
    private void DispatchFetch(RequestState state, WebMessage request)
    {
        var fetchEvent = new FetchEventObject(_engine, _fetchEventPrototype!, FetchType, request, state.Id, cancelable: false, Now());
        JsValue result;
        try
        {
            var listeners = _fetchListeners!;
            JsValue[] arguments = [fetchEvent];

            // Live, as the prelude's loop was: a listener that adds one makes it run too.
            for (uint i = 0; i < listeners.Length; i++)
            {
                var listener = listeners[i];
                if (listener is Function)
                {
                    _engine.Call(listener, _engine.Global, arguments);
                }
                else
                {
                    _engine.Call(listener.Get(HandleEvent), listener, arguments);
                }
            }

            if (!fetchEvent.Responded)
            {
                _ = ForwardAsync(state);
                return;
            }

            result = fetchEvent.Response;
        }
        catch (JavaScriptException ex)
        {
            FailWith(state.Id, ex.Error);
            return;
        }

        Deliver(state.Id, result);
    }

    /// <summary>A Response goes out in this turn; a promise of one when it settles.</summary>
    private void Deliver(int id, JsValue result)
    {
        if (result is not WebMessage { IsRequest: false } response)
        {
            try
            {
                DeliverWhenSettled(id, result);
            }
            catch (JavaScriptException ex)
            {
                FailWith(id, ex.Error);
            }

            return;
        }

        SendOrFail(id, response);
    }

    // The Response goes out; what its headers, status or body throw fails the request instead.
    private void SendOrFail(int id, WebMessage response)
    {
        try
        {
            Send(id, response);
        }
        catch (JavaScriptException ex)
        {
            FailWith(id, ex.Error);
        }
    }

    /// <summary>
    /// The prelude's deliver of a promise, <c>Promise.resolve(result).then(send, fail)</c>, with the same promise
    /// jobs in the same order but the reactions in C#: done in the prelude, it cost four JavaScript calls and two
    /// closures per request. A value other than a Response goes to the prelude's deliver for its TypeError.
    /// </summary>
    private void DeliverWhenSettled(int id, JsValue result)
    {
        var promise = _engine.Call(_promiseResolve, _promiseConstructor, [result]);
        var sent = new ClrFunction(_engine, string.Empty, (_, a) =>
        {
            var value = a.Length > 0 ? a[0] : JsValue.Undefined;
            if (value is not WebMessage { IsRequest: false } response)
            {
                _engine.Call(_deliver, JsValue.Undefined, [id, value]);
                return JsValue.Undefined;
            }

            SendOrFail(id, response);
            return JsValue.Undefined;
        }, 1);
        var failed = new ClrFunction(_engine, string.Empty, (_, a) =>
        {
            FailWith(id, a.Length > 0 ? a[0] : JsValue.Undefined);
            return JsValue.Undefined;
        }, 1);
        _engine.Call(_promiseThen, promise, [sent, failed]);
    }

    // The prelude's send: the headers, status and status text read as a script reads them, the body taken.
    private void Send(int id, WebMessage response)
    {
        var headers = response.Get(HeadersKey);
        JsValue kind;
        JsValue body;
        var slots = response.Slots;
        var source = slots[MessageSlots.Body];
        if (!slots[MessageSlots.Used].AsBoolean() && slots[MessageSlots.Stream].IsUndefined()
            && (source.IsNull() || source.AsObject().Get("kind") is JsNumber { } number && number.AsNumber() != MessageConversion.StreamBody))
        {
            // Unread and never made a stream: taken here (a JavaScript stream body needs the prelude's reader).
            slots[MessageSlots.Used] = JsBoolean.True;
            kind = source.IsNull() ? JsNumber.Create(MessageConversion.NoBody) : source.AsObject().Get("kind");
            body = source.IsNull() ? JsValue.Null : source.AsObject().Get("value");
        }
        else
        {
            var taken = _engine.Call(_bodyForHost, JsValue.Undefined, [response]).AsArray();
            kind = taken[0];
            body = taken[1];
        }

        Respond([id, response.Get(StatusKey), response.Get(StatusTextKey), headers, kind, body]);
    }

    private void FailWith(int id, JsValue error)
    {
        var description = _engine.Call(_describeError, JsValue.Undefined, [error]);
        Fail([id, description, error]);
    }

    /// <summary>The members of <c>FetchEvent.prototype</c> (and those of <c>Event</c> it needs), as C# functions.</summary>
    private void InstallFetchEvent(ObjectInstance prototype)
    {
        _fetchEventPrototype = prototype;
        FetchEventObject This(JsValue self, string name)
            => self as FetchEventObject ?? throw TypeError($"Illegal invocation: '{name}' was used on an object that is not a FetchEvent.");
        void Getter(string name, Func<FetchEventObject, JsValue> read)
            => prototype.DefineOwnProperty(name, new GetSetPropertyDescriptor(
                new ClrFunction(_engine, "get " + name, (self, _) => read(This(self, name))), JsValue.Undefined, enumerable: false, configurable: true));
        void Method(string name, int length, Func<FetchEventObject, JsValue, JsValue> body)
            => prototype.DefineOwnProperty(name, new PropertyDescriptor(
                new ClrFunction(_engine, name, (self, a) => body(This(self, name), a.Length > 0 ? a[0] : JsValue.Undefined), length),
                writable: true, enumerable: false, configurable: true));

        Getter("request", e => e.Request);
        Getter("type", e => e.EventType);
        Getter("cancelable", e => e.Cancelable ? JsBoolean.True : JsBoolean.False);
        Getter("defaultPrevented", e => e.DefaultPrevented ? JsBoolean.True : JsBoolean.False);
        Getter("timeStamp", e => JsNumber.Create(e.TimeStamp));
        Method("respondWith", 1, (e, response) =>
        {
            if (e.Responded)
            {
                throw new JavaScriptException(_engine.Construct(_domException, ["respondWith() has already been called for this event.", "InvalidStateError"]));
            }

            e.Responded = true;
            e.Response = response;
            return JsValue.Undefined;
        });
        Method("waitUntil", 1, (e, promise) => _engine.Call(_waitUntil, JsValue.Undefined, [e.RequestId, promise]));
        Method("passThroughOnException", 0, (e, _) =>
        {
            if (_requests.TryGetValue(e.RequestId, out var state))
            {
                state.Event.PassThroughOnException();
            }

            return JsValue.Undefined;
        });
        Method("preventDefault", 0, (e, _) =>
        {
            if (e.Cancelable)
            {
                e.DefaultPrevented = true;
            }

            return JsValue.Undefined;
        });
        Method("stopImmediatePropagation", 0, (e, _) =>
        {
            e.Stopped = true;
            return JsValue.Undefined;
        });
    }
}

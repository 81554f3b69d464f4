using Jint;
using Jint.Native;
using Jint.Runtime;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>Promises for host tasks (the cache, fetch, body reads), and the JavaScript errors of host failures.</summary>
internal sealed partial class WorkerRuntime
{
    /// <summary>
    /// A promise for a host task: an already-settled one when the task is already done (a memory-tier hit),
    /// otherwise one settled by a turn posted when it completes. The turn belongs to the request that started
    /// the task.
    /// </summary>
    /// <remarks>
    /// A done task's promise is <c>Promise.resolve</c> (or <c>reject</c>) of its outcome: the same settled promise
    /// as resolving a registered one at once, without the two resolving functions, their delegates and the
    /// promise's wait handle that <c>RegisterPromise</c> makes (about 0.9 KB per call).
    /// </remarks>
    private JsValue Promise<T>(Task<T> task, Func<T, JsValue> convert)
    {
        if (task.IsCompleted)
        {
            var outcome = Outcome(task, convert, out var fulfilled);
            return _engine.Call(fulfilled ? _promiseResolve : _promiseReject, _promiseConstructor, [outcome]);
        }

        var owner = _current;
        var (promise, resolve, reject) = _engine.Advanced.RegisterPromise();
        task.ContinueWith(
            t => _loop.Post(() => RunTurn(owner, () =>
            {
                var outcome = Outcome(t, convert, out var fulfilled);
                (fulfilled ? resolve : reject)(outcome);
            })),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return promise;
    }

    // The value a done task's promise settles with; fulfilled is false when that is a rejection's reason.
    private JsValue Outcome<T>(Task<T> task, Func<T, JsValue> convert, out bool fulfilled)
    {
        fulfilled = false;
        if (task.IsCompletedSuccessfully)
        {
            JsValue value;
            try
            {
                value = convert(task.Result);
            }
            catch (Exception ex) when (ex is not JavaScriptException and not CpuLimitExceededException)
            {
                return ToJsError(ex);
            }

            fulfilled = true;
            return value;
        }

        return ToJsError(task.Exception?.InnerException ?? new OperationCanceledException("The operation was cancelled."));
    }

    /// <summary>A JavaScript error for a host failure; the C# exception stays attached for the 502/504 mapping.</summary>
    private JsValue ToJsError(Exception ex)
    {
        var (constructor, message) = ex switch
        {
            ArgumentException a => ("TypeError", a.ParamName is null ? a.Message : a.Message.Replace($" (Parameter '{a.ParamName}')", string.Empty, StringComparison.Ordinal)),
            BodyTooLargeException => ("TypeError", ex.Message),
            InvalidOperationException => ("TypeError", ex.Message),
            HttpRequestException => ("TypeError", "Network connection lost: " + ex.Message),
            TimeoutException => ("Error", "The origin did not answer in time."),
            OperationCanceledException => ("Error", "The operation was cancelled."),
            _ => ("Error", ex.Message),
        };
        var error = _engine.Construct(constructor, message);
        _hostErrors.AddOrUpdate(error, ex);
        return error;
    }
}

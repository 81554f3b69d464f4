using EdgeCache.AspNetCore.Proxy;

namespace EdgeCache.Server.Rules;

/// <summary>Evaluates the cache rules for each request and hands the result to the caching proxy.</summary>
internal sealed class CacheRulesMiddleware(RequestDelegate next, CacheRuleSet rules)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (rules.Evaluate(context.Request) is { } feature)
        {
            context.Features.Set(feature);
        }

        return next(context);
    }
}

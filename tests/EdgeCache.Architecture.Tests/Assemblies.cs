using System.Reflection;

namespace EdgeCache.Architecture.Tests;

/// <summary>The compiled assemblies the rules read, one type of each naming it.</summary>
internal static class Assemblies
{
    public static readonly Assembly Core = typeof(EdgeCache.CacheStorage).Assembly;

    public static readonly Assembly Redis = typeof(EdgeCache.Redis.RedisStore).Assembly;

    public static readonly Assembly AspNetCore = typeof(EdgeCache.AspNetCore.FetchEvent).Assembly;

    public static readonly Assembly JavaScript = typeof(EdgeCache.JavaScript.JavaScriptWorkerOptions).Assembly;

    public static readonly Assembly Server = Assembly.Load("EdgeCache.Server");

    public static readonly Assembly[] Libraries = [Core, Redis, AspNetCore, JavaScript];
}

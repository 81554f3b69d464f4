#:sdk Microsoft.NET.Sdk.Web
#:project ../../src/EdgeCache.AspNetCore/EdgeCache.AspNetCore.csproj

// A whole EdgeCache worker in one file (.NET 10 file-based app), from the repository's root:
//   dotnet run samples/FileBasedWorker/worker.cs -- --origin http://127.0.0.1:8080
// Outside the repository, replace the #:project line with `#:package EdgeCache.AspNetCore@0.1.0`.
using EdgeCache;
using EdgeCache.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseUrls(builder.Configuration["urls"] ?? "http://127.0.0.1:8787");
builder.Services.AddEdgeCache(o => o.Origin = new Uri(builder.Configuration["origin"] ?? "http://127.0.0.1:8080"));
var app = builder.Build();

app.MapWorker(async e =>
{
    var cache = e.Caches.Default;
    var response = await cache.MatchAsync(e.Request);
    if (response is null)
    {
        response = await e.FetchAsync(e.Request);
        response.AppendHeader("Cache-Control", "s-maxage=10");
        e.WaitUntil(cache.PutAsync(e.Request, response.Clone()));
    }

    return response;
});

app.Run();

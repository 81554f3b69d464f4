// The reference example as a minimal ASP.NET Core app:
//   dotnet run --project samples/CacheApiExample -- --origin http://127.0.0.1:8080
using CacheApiExample;
using EdgeCache.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddEdgeCache(o => o.Origin = new Uri(builder.Configuration["origin"] ?? "http://127.0.0.1:8080"));

var app = builder.Build();
var logger = app.Logger;

// addEventListener('fetch', event => event.respondWith(handleRequest(event)))
app.MapWorker(e => ExampleWorker.HandleRequest(e, logger));

app.Run();

using EdgeCache.Server.Hosting;

return await ServerCommand.RunAsync(args).ConfigureAwait(false);

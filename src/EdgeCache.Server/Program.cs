using EdgeCache.Server;

return await ServerCommand.RunAsync(args).ConfigureAwait(false);

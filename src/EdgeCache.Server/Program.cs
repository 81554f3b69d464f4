using EdgeCache.Server.Hosting;

return await ServerCommand.RunAsync(args, ownsProcess: true).ConfigureAwait(false);

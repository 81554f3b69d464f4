using EdgeCache.Soak;

// EdgeCache.Soak origin PORT STATEFILE     the digest-carrying origin
// EdgeCache.Soak drive --nodes ... --admins ... [--minutes N] ...   the load, the faults, the figures (exit 1 when a goal is missed)
return args switch
{
    ["origin", var port, var state] => SoakOrigin.Run(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture), state),
    ["drive", .. var rest] => await new SoakDriver(SoakOptions.Parse(rest)).RunAsync(),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: EdgeCache.Soak origin PORT STATEFILE | drive --nodes URL,URL,URL --admins URL,URL,URL [--minutes N] [--faults FILE] [--resources FILE] [--out DIR]");
    return 2;
}

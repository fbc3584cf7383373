namespace Microsoft.Extensions.Hosting;

/// <summary>Names of the trace source and meter that a P2P node publishes; the service defaults subscribe to both.</summary>
public static class P2PTelemetryNames
{
    public const string ActivitySource = "AspireP2P.Node";
    public const string Meter = "AspireP2P.Node";
}

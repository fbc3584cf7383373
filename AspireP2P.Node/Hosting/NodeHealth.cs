using AspireP2P.Node.Supervision;

namespace AspireP2P.Node.Hosting;

/// <summary>
/// A node's health as /health and /api/node report it, worst first: Unhealthy once a part failed for good (the node is
/// stopping), while its record log cannot write, or while its signer cannot publish; Degraded while the mesh says so;
/// else Healthy. Reasons never carry file paths.
/// </summary>
public sealed record NodeHealth(string Status, string Reason, DateTimeOffset? Since)
{
    public const string Healthy = "Healthy";
    public const string Degraded = "Degraded";
    public const string Unhealthy = "Unhealthy";

    public static NodeHealth Of(NodeCore core)
    {
        if (core.Failure.Report is { } failure)
        {
            return new(Unhealthy, $"the {failure.Part} failed and the node is stopping: {failure.Reason}", failure.At);
        }

        if (core.Store.Failure is { } broken)
        {
            return new(Unhealthy, $"the record log cannot write: {FailureText.Describe(broken)}", null);
        }

        if (core.Publisher.Trouble is { } trouble)
        {
            return new(Unhealthy, $"records cannot be published: {trouble.Reason} (since {trouble.Since:HH:mm:ss})", trouble.Since);
        }

        var mesh = core.Mesh.Snapshot.Health;
        if (mesh.Degraded)
        {
            return new(Degraded, $"{mesh.Reason} (since {mesh.Since:HH:mm:ss})", mesh.Since);
        }

        var links = core.Context.Links.Count;
        return new(Healthy, $"{links} link{(links == 1 ? "" : "s")} open", null);
    }
}

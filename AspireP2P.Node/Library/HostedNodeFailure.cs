using AspireP2P.Node.Hosting;
using AspireP2P.Node.Supervision;

namespace AspireP2P.Node;

/// <summary>
/// In an app that hosts the node: a fail-stop of the node (which stops the app, as in the standalone node) also sets the
/// process's exit code to <see cref="NodeFailure.ExitCode"/>, so whoever started the app (Aspire's dashboard, a service
/// manager) sees it failed, as it sees a standalone node's. The standalone node returns the code from its Program instead.
/// </summary>
internal sealed class HostedNodeFailure(NodeCore core) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        core.Failure.OnFailed(_ => Environment.ExitCode = NodeFailure.ExitCode);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

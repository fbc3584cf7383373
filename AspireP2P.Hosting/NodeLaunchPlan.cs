using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspireP2P.Hosting;

/// <summary>
/// Which binary the node resources run, decided once per AppHost start (not once per node). <c>--launch Auto</c>, the
/// default: the Native AOT node when its publish is current (a node starts on a tenth of the CPU and half the memory, so
/// 50 are healthy in seconds); otherwise the JIT build at once, and once every node is healthy the AppHost publishes the
/// Native AOT node in the background at low priority, so the next start is fast. Editing the node never makes a start
/// wait for a publish. <c>--launch NativeAot</c> publishes first when stale and waits; <c>--launch Executable</c> always
/// runs the JIT build. Where Aspire.Hosting.Testing randomizes ports (the tests), Auto is Executable: no publish there.
/// </summary>
internal sealed class NodeLaunchPlan
{
    /// <summary>One plan per application being built (a test process builds many).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IDistributedApplicationBuilder, NodeLaunchPlan> Plans = [];

    private NodeLaunchPlan(string binary, string description, bool refreshInBackground)
    {
        Binary = binary;
        Description = description;
        RefreshInBackground = refreshInBackground;
    }

    /// <summary>What every node resource runs.</summary>
    public string Binary { get; }

    /// <summary>One line for the AppHost's console: what runs and why.</summary>
    public string Description { get; }

    /// <summary>The JIT build runs because the Native AOT node is stale; publish it once the network is up.</summary>
    public bool RefreshInBackground { get; }

    public static NodeLaunchPlan For(IDistributedApplicationBuilder builder, P2PNodeLaunch launch, string projectDirectory, string jitBinary)
    {
        lock (Plans)
        {
            if (Plans.TryGetValue(builder, out var planned))
            {
                return planned;
            }

            var aot = NativeAotNode.BinaryPath(projectDirectory, jitBinary);
            var testing = builder.Configuration.GetValue<bool>("DcpPublisher:RandomizePorts");
            var plan = launch switch
            {
                P2PNodeLaunch.NativeAot when NativeAotNode.IsCurrent(projectDirectory, jitBinary) =>
                    new NodeLaunchPlan(aot, "Nodes: Native AOT (--launch NativeAot; the publish is current).", false),
                P2PNodeLaunch.NativeAot => PublishNow(projectDirectory, jitBinary),
                P2PNodeLaunch.Auto when !testing && NativeAotNode.IsCurrent(projectDirectory, jitBinary) =>
                    new NodeLaunchPlan(aot, "Nodes: Native AOT (its publish is current; --launch Executable runs the JIT build).", false),
                P2PNodeLaunch.Auto when !testing =>
                    new NodeLaunchPlan(jitBinary, "Nodes: the JIT build (the node changed since its Native AOT publish). Once every node is healthy, " +
                        "the AppHost publishes it with Native AOT in the background (low priority, a minute or two), and the next start uses it.", true),
                _ => new NodeLaunchPlan(jitBinary, "Nodes: the JIT build.", false),
            };
            Plans.Add(builder, plan);
            Console.WriteLine(plan.Description);
            if (plan.RefreshInBackground)
            {
                builder.Services.AddHostedService(services => new NativeAotRefresh(
                    projectDirectory, jitBinary,
                    services.GetRequiredService<DistributedApplicationModel>(),
                    services.GetRequiredService<ResourceNotificationService>(),
                    services.GetRequiredService<IHostApplicationLifetime>(),
                    services.GetRequiredService<ILogger<NativeAotRefresh>>()));
            }

            return plan;
        }
    }

    private static NodeLaunchPlan PublishNow(string projectDirectory, string jitBinary)
    {
        Console.WriteLine("Publishing the node with Native AOT (--launch NativeAot): the whole node is compiled to native code, which takes minutes; "
            + "again only after the node changes. --launch Executable starts the JIT node at once.");
        var binary = NativeAotNode.PublishAsync(projectDirectory, jitBinary, lowPriority: false, CancellationToken.None).GetAwaiter().GetResult();
        return new NodeLaunchPlan(binary, "Nodes: Native AOT (--launch NativeAot; published just now).", false);
    }
}

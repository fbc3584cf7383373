using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace AspireP2P.Hosting;

/// <summary>
/// Breaking the network on a click, in run mode only: partition a node for N seconds, slow or lossy links, a crash
/// (SIGKILL, not the graceful Stop), a burst of records, and heal. Partition, link faults and heal are the node's own
/// <c>/api/dev/*</c> endpoints, which exist only in a node started with <c>--dev-faults true</c>; crash and burst are
/// done by the AppHost. Every fault is reversible (heal, Start) and shows in the node's traces and metrics.
/// </summary>
internal static class FaultCommands
{
    public const string Partition = "partition";
    public const string LinkFaults = "link-faults";
    public const string Heal = "heal";
    public const string HealAll = "heal-all";
    public const string Crash = "crash";
    public const string Burst = "post-burst";

    private const string PidProperty = "executable.pid";

    public static IResourceBuilder<T> WithFaultCommands<T>(this IResourceBuilder<T> node, ControlRoom room) where T : IResourceWithEndpoints
    {
        var name = node.Resource.Name;
        node.WithHttpCommand("/api/dev/partition", "Partition", Extensions.EndpointName, Partition, new HttpCommandOptions
        {
            Description = "Cuts every link of this node for N seconds: nothing sent, everything received discarded, no dials; its neighbours notice through heartbeats",
            IconName = "CloudOff",
            Arguments = [NumberInput("seconds", "Seconds", "30", "How long the partition lasts; Heal ends it sooner.")],
            ValidateArguments = context => WholeNumber(context, "seconds", 1, 3600),
            PrepareRequest = context =>
            {
                context.Request.Content = JsonContent.Create(new { seconds = context.Arguments.GetInt32("seconds") });
                return Task.CompletedTask;
            },
            GetCommandResult = context => DevResultAsync(context, name),
            HttpClientName = room.HttpClientName,
        });
        node.WithHttpCommand("/api/dev/link-faults", "Slow or lossy links", Extensions.EndpointName, LinkFaults, new HttpCommandOptions
        {
            Description = "Delays the frames this node sends, and loses some as TCP does (a lost frame is retransmitted late, in order) until Heal",
            IconName = "Gauge",
            Arguments =
            [
                NumberInput("latencyMs", "Latency (ms)", "100", "Added to every frame this node sends."),
                NumberInput("jitterMs", "Jitter (ms)", "20", "Random variation of the latency, plus or minus this much."),
                NumberInput("lossPercent", "Loss (%)", "5", "Share of frames lost and retransmitted (200 ms later each time)."),
            ],
            ValidateArguments = async context =>
            {
                await WholeNumber(context, "latencyMs", 0, 60_000).ConfigureAwait(false);
                await WholeNumber(context, "jitterMs", 0, 60_000).ConfigureAwait(false);
                await Number(context, "lossPercent", 0, 100).ConfigureAwait(false);
            },
            PrepareRequest = context =>
            {
                context.Request.Content = JsonContent.Create(new
                {
                    latencyMs = context.Arguments.GetInt32("latencyMs"),
                    jitterMs = context.Arguments.GetInt32("jitterMs"),
                    lossPercent = context.Arguments.GetDouble("lossPercent"),
                });
                return Task.CompletedTask;
            },
            GetCommandResult = context => DevResultAsync(context, name),
            HttpClientName = room.HttpClientName,
        });
        node.WithHttpCommand("/api/dev/heal", "Heal", Extensions.EndpointName, Heal, new HttpCommandOptions
        {
            Description = "Ends this node's partition and link faults",
            IconName = "HeartPulse",
            GetCommandResult = context => DevResultAsync(context, name),
            HttpClientName = room.HttpClientName,
        });
        node.WithCommand(Crash, "Crash (SIGKILL)", CrashAsync, new CommandOptions
        {
            Description = "Kills the node's process with SIGKILL: no graceful shutdown, links die as they are; Start brings it back",
            IconName = "Flash",
            ConfirmationMessage = $"Kill {name}'s process with SIGKILL? Start brings it back (empty, unless the network runs with --data-dir).",
            UpdateState = WhenRunning,
        });
        node.WithCommand(Burst, "Post a burst", context => BurstAsync(context, node.Resource, room), new CommandOptions
        {
            Description = "POSTs N records to this node at once (16 at a time) and reports how long it took",
            IconName = "DocumentMultiple",
            Arguments = [NumberInput("count", "Records", "100", "How many records to post.")],
            ValidateArguments = context => WholeNumber(context, "count", 1, 100_000),
            UpdateState = WhenRunning,
        });
        return node;
    }

    /// <summary>One click that heals every running node: ends all partitions and link faults.</summary>
    public static IResourceBuilder<P2PNetworkResource> WithHealAllCommand(this IResourceBuilder<P2PNetworkResource> network, ControlRoom room) =>
        network.WithCommand(HealAll, "Heal all", async context =>
        {
            var nodes = room.Nodes;
            var http = context.Services.GetRequiredService<IHttpClientFactory>().CreateClient(room.HttpClientName);
            var states = context.Services.GetRequiredService<ResourceStates>();
            var running = nodes.All.Where(n => states.IsRunning(n.Resource) && n.Url is not null).ToList();
            var failures = await Task.WhenAll(running.Select(async node =>
            {
                try
                {
                    using var response = await http.PostAsync(new Uri(node.Url!, "/api/dev/heal"), content: null, context.CancellationToken).ConfigureAwait(false);
                    return response.IsSuccessStatusCode ? null : $"{node.Name}: {DevFailure(response.StatusCode, node.Name)}";
                }
                catch (HttpRequestException ex)
                {
                    return $"{node.Name}: {ex.Message}";
                }
            })).ConfigureAwait(false);
            var failed = failures.OfType<string>().ToList();
            return failed.Count == 0
                ? CommandResults.Success($"Healed {running.Count} running nodes")
                : CommandResults.Failure($"Healed {running.Count - failed.Count} of {running.Count} running nodes; {string.Join("; ", failed)}");
        }, new CommandOptions
        {
            Description = "Ends every partition and link fault on every running node",
            IconName = "HeartPulse",
            IsHighlighted = true,
        });

    private static Task<ExecuteCommandResult> CrashAsync(ExecuteCommandContext context)
    {
        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        if (!notifications.TryGetCurrentState(context.ResourceName, out var current)
            || current.Snapshot.Properties.FirstOrDefault(p => p.Name == PidProperty)?.Value is not { } pidValue)
        {
            return Task.FromResult(CommandResults.Failure($"{context.ResourceName} has no process id: is it running?"));
        }

        var pid = Convert.ToInt32(pidValue, CultureInfo.InvariantCulture);
        try
        {
            using var process = Process.GetProcessById(pid);
            // Kill sends SIGKILL on Unix; the tree includes the node under a `dotnet run` wrapper (--launch Project).
            process.Kill(entireProcessTree: true);
        }
        catch (ArgumentException)
        {
            return Task.FromResult(CommandResults.Failure($"process {pid} is already gone"));
        }

        return Task.FromResult(CommandResults.Success($"Killed process {pid} with SIGKILL"));
    }

    private static async Task<ExecuteCommandResult> BurstAsync(ExecuteCommandContext context, IResourceWithEndpoints node, ControlRoom room)
    {
        var endpoint = node.GetEndpoint(Extensions.EndpointName);
        if (!endpoint.IsAllocated)
        {
            return CommandResults.Failure("the node's endpoint is not allocated yet");
        }

        var count = context.Arguments.GetInt32("count");
        // The network row must not call the nodes converged from reads taken before these records: it checks again.
        var liveView = room.Monitor;
        if (liveView is not null)
        {
            await liveView.RecordsChangingAsync($"{Convergence.Plural(count, "record")} being posted to {node.Name}").ConfigureAwait(false);
        }

        var http = context.Services.GetRequiredService<IHttpClientFactory>().CreateClient(room.HttpClientName);
        var url = new Uri(new Uri(endpoint.Url), "/record");
        var burst = Guid.NewGuid().ToString("N")[..8];
        var failed = 0;
        string? firstError = null;
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(
            Enumerable.Range(1, count),
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = context.CancellationToken },
            async (i, cancellationToken) =>
            {
                try
                {
                    using var response = await http.PostAsJsonAsync(url, new { record = $"burst {burst} #{i} of {count} at {node.Name}" }, cancellationToken)
                        .ConfigureAwait(false);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref failed);
                        Interlocked.CompareExchange(ref firstError, $"{(int)response.StatusCode} {response.ReasonPhrase}", null);
                    }
                }
                catch (HttpRequestException ex)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, ex.Message, null);
                }
            }).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (liveView is not null)
        {
            await liveView.RecordsChangingAsync($"{Convergence.Plural(count - failed, "record")} posted to {node.Name}, spreading").ConfigureAwait(false);
        }

        var summary = $"Posted {count - failed} of {count} records (burst {burst}) to {node.Name} in {seconds:0.00} s";
        return failed == 0 ? CommandResults.Success(summary) : CommandResults.Failure($"{summary}; first failure: {firstError}");
    }

    private static async Task<ExecuteCommandResult> DevResultAsync(HttpCommandResultContext context, string node)
    {
        var body = await context.Response.Content.ReadAsStringAsync(context.CancellationToken).ConfigureAwait(false);
        return context.Response.IsSuccessStatusCode
            ? CommandResults.Success($"{node}: {body}", body, CommandResultFormat.Json)
            : CommandResults.Failure(DevFailure(context.Response.StatusCode, node), body, CommandResultFormat.Text);
    }

    private static string DevFailure(HttpStatusCode status, string node) => status == HttpStatusCode.NotFound
        ? $"{node} has no fault endpoints: it runs without --dev-faults true, or its build predates them"
        : $"{node} answered {(int)status} {status}";

    private static ResourceCommandState WhenRunning(UpdateCommandStateContext context) =>
        context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled;

    private static InteractionInput NumberInput(string name, string label, string value, string description) =>
        new() { Name = name, Label = label, InputType = InputType.Number, Required = true, Value = value, Description = description };

    private static Task WholeNumber(InputsDialogValidationContext context, string name, int min, int max)
    {
        var input = context.Inputs[name];
        if (!int.TryParse(input.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            context.AddValidationError(input, $"{input.Label} must be a whole number from {min} to {max}.");
        }

        return Task.CompletedTask;
    }

    private static Task Number(InputsDialogValidationContext context, string name, double min, double max)
    {
        var input = context.Inputs[name];
        if (!double.TryParse(input.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            context.AddValidationError(input, $"{input.Label} must be a number from {min} to {max}.");
        }

        return Task.CompletedTask;
    }
}

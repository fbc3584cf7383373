using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Node.Mesh;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AspireP2P.Tests.Network;

/// <summary>
/// Every API call that waits is answered, on every path, within its own deadline (issue 20, case 4: POST /peer hung for
/// ever when "disconnect all" ran while its dial was pending; the pending entry was removed without answering its waiter).
/// </summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class WaiterTests
{
    /// <summary>Dials that could only end by their own timeout, far beyond any test's: an answer proves something else answered.</summary>
    private static readonly string[] SlowDials = ["--P2P:ConnectTimeout", "00:05:00", "--P2P:RequestTimeout", "00:10:00"];

    [Fact]
    public async Task APostPeerIsAnsweredWhenDisconnectAllRunsWhileItsDialIsPending()
    {
        await using var hole = new FakeServer(FakeServerKind.BlackHole);
        await using var node = await TestNode.StartAsync("dialer", SlowDials);
        var pending = PostPeerAsync(node, hole.Address);
        await WaitUntilDialingAsync(node, hole.Address);

        using var disconnected = await node.Http.PostAsync("/api/peers/disconnect", null, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        using var answer = await pending.WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Conflict, answer.StatusCode);
        Assert.Contains("disconnected", (await ProblemAsync(answer)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, disconnected.StatusCode);
    }

    [Fact]
    public async Task APostPeerIsAnsweredWhenItsPeerIsDisconnectedWhileItsDialIsPending()
    {
        await using var hole = new FakeServer(FakeServerKind.BlackHole);
        await using var node = await TestNode.StartAsync("dialer", SlowDials);
        var pending = PostPeerAsync(node, hole.Address);
        await WaitUntilDialingAsync(node, hole.Address);

        using var removed = await node.Http.DeleteAsync($"/api/peers/{Uri.EscapeDataString(hole.Address)}", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        using var answer = await pending.WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, answer.StatusCode);
    }

    [Fact]
    public async Task APostPeerIsAnsweredWhenTheNodeStopsWhileItsDialIsPending()
    {
        await using var hole = new FakeServer(FakeServerKind.BlackHole);
        var node = await TestNode.StartAsync("dialer", SlowDials);
        // A client of its own: disposing the node disposes the node's.
        using var client = new HttpClient { BaseAddress = node.Identity.Address.HttpUri };
        var pending = client.PostAsJsonAsync("/peer", new { targetUrl = hole.Address }, TestContext.Current.CancellationToken);
        await WaitUntilDialingAsync(node, hole.Address);

        var stopping = node.DisposeAsync().AsTask();
        using var answer = await pending.WaitAsync(Timeouts.Stop, TestContext.Current.CancellationToken);
        await stopping.WaitAsync(Timeouts.Stop, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Contains("stopping", (await ProblemAsync(answer)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APostPeerHasItsOwnDeadline()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var hole = new FakeServer(FakeServerKind.BlackHole);
        await using var node = await TestNode.StartAsync("dialer", time, "--P2P:ConnectTimeout", "00:05:00", "--P2P:RequestTimeout", "00:05:30");
        var pending = PostPeerAsync(node, hole.Address);
        await WaitUntilDialingAsync(node, hole.Address);

        using var answer = await AdvanceUntilAnsweredAsync(time, TimeSpan.FromSeconds(30), pending, "POST /peer");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Contains("P2P:RequestTimeout", (await ProblemAsync(answer)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APostRecordHasItsOwnDeadlineWhenTheDiskStopsAnswering()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var log = new FaultyRecordLog();
        log.StallDurability();
        await using var node = await TestNode.StartAsync("stalled", time, services => services.AddSingleton<Node.Records.Storage.IRecordLog>(log));
        var pending = node.Http.PostAsJsonAsync("/record", new { record = "never durable" }, TestContext.Current.CancellationToken);

        using var answer = await AdvanceUntilAnsweredAsync(time, TimeSpan.FromSeconds(1), pending, "POST /record");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        var detail = (await ProblemAsync(answer)).GetProperty("detail").GetString();
        Assert.Contains("not acknowledged within 10 s", detail, StringComparison.Ordinal);
        log.ReleaseDurability();
        using var next = await node.PostRecordAsync("once the disk answers");
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
    }

    [Fact]
    public async Task APostRecordWaitingForTheDiskIsAnsweredWhenTheNodeStops()
    {
        var log = new FaultyRecordLog();
        log.StallDurability();
        var node = await TestNode.StartAsync("stalled", services => services.AddSingleton<Node.Records.Storage.IRecordLog>(log), "--P2P:ConnectTimeout", "00:00:01", "--P2P:RequestTimeout", "00:00:03");
        using var client = new HttpClient { BaseAddress = node.Identity.Address.HttpUri };
        var pending = client.PostAsJsonAsync("/record", new { record = "stopping" }, TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => Task.FromResult(node.Core.Store.Length), n => n == 1, Timeouts.Request, "the record to be stored, waiting for the disk");

        var stopping = node.DisposeAsync().AsTask();
        var answer = await Record.ExceptionAsync(async () =>
        {
            using var response = await pending.WaitAsync(Timeouts.Stop, TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable, $"answered {(int)response.StatusCode}");
        });
        await stopping.WaitAsync(Timeouts.Stop, TestContext.Current.CancellationToken);

        // Answered (201 once the log closed durably, or 503), or the connection ended with the server: never left hanging.
        Assert.True(answer is null or HttpRequestException, $"{answer}");
    }

    [Fact]
    public async Task EveryFailureToReachSomethingThatIsNotANodeGetsTheSameAnswer()
    {
        // Issue 20, case 7: POST /peer echoed what the address answered, which told closed, open and HTTP ports apart.
        await using var node = await TestNode.StartAsync("prober", "--P2P:ConnectTimeout", "00:00:01", "--P2P:RequestTimeout", "00:00:05");
        await using var hole = new FakeServer(FakeServerKind.BlackHole);
        await using var garbage = new FakeServer(FakeServerKind.Garbage);
        await using var web = new FakeServer(FakeServerKind.PlainHttp);
        var closed = $"127.0.0.1:{TestPorts.Reserve()}";

        var answers = new List<(string Address, int Status, string Body)>();
        foreach (var address in new[] { closed, garbage.Address, web.Address, hole.Address })
        {
            using var response = await node.PostPeerAsync(address);
            var problem = await ProblemAsync(response);
            // Everything but the request's own trace id.
            var said = $"{problem.GetProperty("title").GetString()} | {problem.GetProperty("detail").GetString()} | {problem.GetProperty("message").GetString()}";
            answers.Add((address, (int)response.StatusCode, said.Replace(address, "ADDRESS", StringComparison.Ordinal)));
        }

        Assert.All(answers, a => Assert.Equal(502, a.Status));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Contains(DialAttempt.Unreachable, answers[0].Body, StringComparison.Ordinal);
        var rows = (await node.GetPeerDetailsAsync()).GetProperty("peers").EnumerateArray().ToList();
        Assert.All(rows, r => Assert.Equal(DialAttempt.Unreachable, r.GetProperty("lastError").GetString()));
    }

    /// <summary>Moves the node's clock on, a step at a time, until the call has answered.</summary>
    private static async Task<HttpResponseMessage> AdvanceUntilAnsweredAsync(FakeTimeProvider time, TimeSpan step, Task<HttpResponseMessage> pending, string call) =>
        await await Eventually.UntilAsync(
            () =>
            {
                time.Advance(step);
                return Task.FromResult(pending);
            },
            task => task.IsCompleted,
            Timeouts.Request,
            $"{call} to answer once its deadline passed");

    private static Task<HttpResponseMessage> PostPeerAsync(TestNode node, string address) =>
        node.Http.PostAsJsonAsync("/peer", new { targetUrl = address }, TestContext.Current.CancellationToken);

    private static Task WaitUntilDialingAsync(TestNode node, string address) =>
        Eventually.UntilAsync(
            async () => (await node.GetPeerDetailsAsync()).GetProperty("peers").EnumerateArray().Any(p => p.GetProperty("address").GetString() == address),
            Timeouts.Request,
            $"the dial to {address} to be under way");

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Aspire;

/// <summary>Two node processes and the chat sample (an ASP.NET Core app hosting the node as a library), with the dashboard.</summary>
public sealed class ChatSampleNetwork() : AspireNetwork(nodeCount: 2, withDashboard: true, "--sample", "true")
{
    public const string Chat = "chat";
}

/// <summary>
/// The chat sample beside plain nodes (AppHost <c>--sample true</c>): what a developer gets who makes their own app a node
/// with <c>builder.AddP2PNode()</c>, <c>app.MapP2PNode()</c> and <c>IP2PRecords</c>. Driven through AspireP2P.Testing.
/// </summary>
[Trait(Tier.Category, Tier.Aspire)]
[Collection(AspireNetworks.Name)]
public sealed class ChatSampleTests(ChatSampleNetwork network) : IClassFixture<ChatSampleNetwork>
{
    [Fact]
    public async Task TheSampleIsOneMoreMemberOfTheNetwork()
    {
        var p2p = network.Testing;

        Assert.Equal([.. network.NodeNames, ChatSampleNetwork.Chat], p2p.Nodes);
        // It extends the chain: it dialed the last node process, which lists it among its peers.
        var chat = $"ws://{network.App.GetEndpoint(ChatSampleNetwork.Chat, "http").Authority}";
        await Eventually.UntilAsync(() => p2p.GetPeersAsync(AspireNetwork.NodeName(network.NodeCount - 1)), peers => peers.Contains(chat),
            Timeouts.Converge, $"{AspireNetwork.NodeName(network.NodeCount - 1)} linked to the sample");
    }

    [Fact]
    public async Task AMessagePostedToTheSampleReachesEveryPlainNodeAsARecord()
    {
        var text = $"hello from the sample {Guid.NewGuid():N}";

        using var chat = await network.Testing.CreateNodeClientAsync(ChatSampleNetwork.Chat, TestContext.Current.CancellationToken);
        using var response = await chat.PostAsJsonAsync("/chat", new { author = "ada", text }, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        // The record is the message's JSON: a plain node stores and serves it as any other record.
        await network.Testing.WaitForRecordEverywhereAsync(
            r => r.ValueKind == JsonValueKind.Object && r.TryGetProperty("text", out var t) && t.GetString() == text && r.GetProperty("author").GetString() == "ada",
            $"the chat message '{text}'", Timeouts.Converge, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AChatRecordPostedAtAPlainNodeShowsInTheSampleAndAPlainStringDoesNot()
    {
        var text = $"hello from node-0 {Guid.NewGuid():N}";
        var plain = $"not a chat message {Guid.NewGuid():N}";
        using var node = await network.Testing.CreateNodeClientAsync(AspireNetwork.NodeName(0), TestContext.Current.CancellationToken);

        await network.Testing.PostRecordAsync(AspireNetwork.NodeName(0), plain, TestContext.Current.CancellationToken);
        using var posted = await node.PostAsJsonAsync("/record", new { record = new { author = "grace", text } }, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);

        using var chat = await network.Testing.CreateNodeClientAsync(ChatSampleNetwork.Chat, TestContext.Current.CancellationToken);
        var messages = await Eventually.UntilAsync(
            () => chat.GetFromJsonAsync<JsonElement[]>("/chat", TestContext.Current.CancellationToken)!,
            m => m!.Any(e => e.GetProperty("text").GetString() == text),
            Timeouts.Converge, $"'{text}' in the sample's GET /chat");
        var message = Assert.Single(messages!, e => e.GetProperty("text").GetString() == text);
        Assert.Equal("grace", message.GetProperty("author").GetString());
        Assert.False(message.GetProperty("isLocal").GetBoolean());
        Assert.True(message.GetProperty("hops").GetInt32() >= 1);
        // The plain string reached the sample too (it is a node), but it is no chat message: the subscription skipped it.
        await network.Testing.WaitForRecordEverywhereAsync(plain, Timeouts.Converge, TestContext.Current.CancellationToken);
        var after = await chat.GetFromJsonAsync<JsonElement[]>("/chat", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.DoesNotContain(after!, e => e.GetProperty("text").GetString() == plain);
    }

    [Fact]
    public async Task AChatPostWithoutTextIsRefusedWithProblemDetails()
    {
        using var chat = await network.Testing.CreateNodeClientAsync(ChatSampleNetwork.Chat, TestContext.Current.CancellationToken);

        using var response = await chat.PostAsJsonAsync("/chat", new { author = "ada", text = " " }, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Contains("text", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSamplesSpansAndEveryHopAreOneTraceInTheDashboard()
    {
        using var chat = await network.Testing.CreateNodeClientAsync(ChatSampleNetwork.Chat, TestContext.Current.CancellationToken);
        using var dashboard = network.Testing.CreateDashboardClient();

        using var response = await chat.PostAsJsonAsync("/chat", new { author = "ada", text = $"traced {Guid.NewGuid():N}" }, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var traceId = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken))
            .GetProperty("traceId").GetString();
        Assert.NotNull(traceId);

        // The sample's request and its publish, then one receive per plain node down the chain.
        var spans = await dashboard.WaitForTraceAsync(traceId,
            s => s.Any(x => x.Resource == ChatSampleNetwork.Chat && x.Name == "publish records")
                && network.NodeNames.All(n => s.Any(x => x.Resource == n && x.Name == "receive records")),
            Timeouts.Telemetry, TestContext.Current.CancellationToken);

        var byId = spans.ToDictionary(s => s.SpanId);
        var publish = Assert.Single(spans, s => s.Name == "publish records");
        Assert.Equal((ChatSampleNetwork.Chat, ActivityKind.Producer), (publish.Resource, publish.Kind));
        Assert.Equal((ChatSampleNetwork.Chat, "POST /chat"), (byId[publish.ParentSpanId!].Resource, byId[publish.ParentSpanId!].Name));
    }
}

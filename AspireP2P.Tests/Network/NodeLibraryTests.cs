using AspireP2P.Node;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Mesh;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspireP2P.Tests.Network;

/// <summary>
/// The node as a library (<c>builder.AddP2PNode()</c>, <c>app.MapP2PNode()</c>, <see cref="IP2PRecords"/>) in an app of
/// its own, beside a plain node, on real loopback sockets: records cross both ways, a subscription sees typed values
/// and skips others, and a publish is answered on every path, a failed disk and one that stopped answering included.
/// </summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class NodeLibraryTests
{
    public sealed record Note(string Text, int Stars);

    [Fact]
    public async Task AnAppHostingTheNodeAndAPlainNodeExchangeRecordsBothWays()
    {
        await using var plain = await TestNode.StartAsync("plain");
        await using var hosted = await HostedNode.StartAsync(("P2P:Peers", plain.WebSocketUrl));
        var records = hosted.Records;
        await using var notes = records.SubscribeAsync<Note>(P2PSubscribeFrom.Now, TestContext.Current.CancellationToken).GetAsyncEnumerator(TestContext.Current.CancellationToken);

        var published = await records.PublishAsync(new Note("from the app", 5), TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(plain.GetRecordsRawAsync, r => r.Contains("""{"text":"from the app","stars":5}"""), Timeouts.Converge, "the app's record at the plain node");
        using var posted = await plain.PostRecordAsync(new { text = "from the plain node", stars = 3 });
        await plain.PostRecordAsync("a plain string, not a note");

        Assert.True(await notes.MoveNextAsync().AsTask().WaitAsync(Timeouts.Converge, TestContext.Current.CancellationToken));
        Assert.Equal((published.Key, new Note("from the app", 5), true, 0), (notes.Current.Key, notes.Current.Value, notes.Current.IsLocal, notes.Current.Hops));
        Assert.True(await notes.MoveNextAsync().AsTask().WaitAsync(Timeouts.Converge, TestContext.Current.CancellationToken));
        Assert.Equal((new Note("from the plain node", 3), false, plain.Identity.Id.ToString()), (notes.Current.Value, notes.Current.IsLocal, notes.Current.Origin));
        Assert.Equal(1, notes.Current.Hops);
    }

    [Fact]
    public async Task APublishOnABrokenDiskIsRefusedWithTheReason()
    {
        var log = new FaultyRecordLog();
        await using var hosted = await HostedNode.StartAsync(log);
        log.Break("the disk is full");

        var error = await Assert.ThrowsAsync<PublishFailedException>(() =>
            hosted.Records.PublishAsync(new Note("lost?", 1), TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken));

        // The node's own words (never the log's, which may name a path), as POST /record's 503 gives them.
        Assert.StartsWith("the record log cannot write", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, hosted.Core.Store.Count);
    }

    [Fact]
    public async Task APublishHasADeadlineWhenTheDiskStopsAnswering()
    {
        var log = new FaultyRecordLog();
        await using var hosted = await HostedNode.StartAsync(log, ("P2P:ConnectTimeout", "00:00:01"), ("P2P:RequestTimeout", "00:00:02"));
        log.StallDurability();

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            hosted.Records.PublishAsync(new Note("never durable", 1), TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken));

        Assert.Contains("P2P:RequestTimeout", error.Message, StringComparison.Ordinal);
        log.ReleaseDurability();
        var next = await hosted.Records.PublishAsync(new Note("once the disk answers", 2), TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.NotEmpty(next.Key);
    }

    [Fact]
    public async Task NullAndOversizedValuesAreRefusedBeforeAnythingIsStored()
    {
        await using var hosted = await HostedNode.StartAsync(("P2P:MaxRecordBytes", "1024"));

        await Assert.ThrowsAsync<ArgumentNullException>(() => hosted.Records.PublishAsync<Note>(null!, TestContext.Current.CancellationToken));
        var big = await Assert.ThrowsAsync<ArgumentException>(() => hosted.Records.PublishAsync(new Note(new string('x', 2000), 1), TestContext.Current.CancellationToken));

        Assert.Contains("P2P:MaxRecordBytes", big.Message, StringComparison.Ordinal);
        Assert.Equal(0, hosted.Core.Store.Count);
    }

    /// <summary>An ASP.NET Core app of the test's own that hosts the node, on a free loopback port.</summary>
    private sealed class HostedNode(WebApplication app) : IAsyncDisposable
    {
        public IP2PRecords Records => app.Services.GetRequiredService<IP2PRecords>();

        public NodeCore Core => app.Services.GetRequiredService<NodeCore>();

        public static Task<HostedNode> StartAsync(params (string Key, string Value)[] settings) => StartAsync(log: null, settings);

        public static async Task<HostedNode> StartAsync(IRecordLog? log, params (string Key, string Value)[] settings)
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
            builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Add(new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver()));
            if (log is not null)
            {
                builder.Services.AddSingleton(log);
            }

            builder.AddP2PNode(node => node.Name = "hosted");
            var app = builder.Build();
            app.MapP2PNode();
            await app.StartAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Start, TestContext.Current.CancellationToken);
            return new HostedNode(app);
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync().WaitAsync(Timeouts.Stop);
            await app.DisposeAsync();
        }
    }
}

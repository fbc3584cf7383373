using System.Text;
using AspireP2P.Node.Faults;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Mesh;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Node.Transport;
using AspireP2P.Node.Trust;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// The publisher's signer survives whatever it meets (issue 20, case 3: a permission error on the seq reservation, which
/// .NET raises as UnauthorizedAccessException, ended the signer; every later POST hung, also after the cause was gone, and
/// /health said Healthy). Each failure answers its records with a reason; the next record goes through once the cause is gone.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class PublisherFailureTests : IAsyncLifetime
{
    private static readonly byte[] Value = Encoding.UTF8.GetBytes("\"a record\"");

    private readonly FaultyRecordLog _log = new();
    private readonly ComponentFaults _faults = new();
    private NodeCore _core = null!;

    public static TheoryData<string> Exceptions => [.. ComponentFaults.Kinds.Keys];

    public ValueTask InitializeAsync()
    {
        var address = new PeerAddress("10.0.0.1", 4000, Secure: false);
        _core = NodeCore.Create(new NodeOptions(), new NodeEnvironment
        {
            Log = _log,
            Keys = NodeKeys.FromSeed(Enumerable.Repeat((byte)3, 32).ToArray(), Ed25519Scheme.Instance),
            Transport = new InMemoryNetwork(TimeProvider.System).TransportFor(address),
            Address = () => address,
            ComponentFaults = _faults,
        });
        _core.Start([]);
        return ValueTask.CompletedTask;
    }

    [Theory]
    [MemberData(nameof(Exceptions))]
    public async Task ASignerThatThrowsAnswersTheBatchAndGoesOn(string exception)
    {
        _faults.Inject(FaultPoint.Signer, 1, () => ComponentFaults.Kinds[exception]("/data/secret/feed.state"));

        var refused = await Assert.ThrowsAsync<PublishFailedException>(() => PublishAsync());
        Assert.DoesNotContain("/data", refused.Message, StringComparison.Ordinal);
        Assert.Equal(NodeHealth.Unhealthy, NodeHealth.Of(_core).Status);
        Assert.Contains("records cannot be published", NodeHealth.Of(_core).Reason, StringComparison.Ordinal);

        var published = await PublishAsync();

        Assert.Equal(1, published.Entry.Seq);
        Assert.NotEqual(NodeHealth.Unhealthy, NodeHealth.Of(_core).Status);
        Assert.Equal(1, _core.Context.Telemetry.TaskFailures);
        Assert.Null(_core.Failure.Report);
    }

    [Theory]
    [MemberData(nameof(Exceptions))]
    public async Task ALogThatThrowsOnAppendFailsTheRecordNotTheSigner(string exception)
    {
        _log.FailAppends(() => ComponentFaults.Kinds[exception]("/data/secret/records.db"));
        var refused = await Assert.ThrowsAsync<PublishFailedException>(() => PublishAsync());
        Assert.DoesNotContain("/data", refused.Message, StringComparison.Ordinal);

        _log.FailAppends(null);
        var published = await PublishAsync();

        Assert.Equal([published.Entry.Key], _core.Store.Visible().Select(v => v.Item.Entry.Key));
    }

    [Theory]
    [MemberData(nameof(Exceptions))]
    public async Task ADurableWaitThatThrowsIsAnsweredWithAReason(string exception)
    {
        _log.FailDurableWaits(() => ComponentFaults.Kinds[exception]("/data/secret/records.db"));

        var refused = await Record.ExceptionAsync(() => PublishAsync());

        Assert.IsType<PublishFailedException>(refused);
        Assert.DoesNotContain("/data", refused.Message, StringComparison.Ordinal);
        _log.FailDurableWaits(null);
        Assert.True((await PublishAsync()).Entry.Seq > 0);
    }

    [Fact]
    public async Task AFailedLogRefusesAtOnceAndTheNodeFailsStopOnItsNextTick()
    {
        _log.FailAppends(() => new RecordLogFailedException("the record log in /data/secret cannot write (disk full)"));
        var stopped = new TaskCompletionSource<string>();
        _core.Failure.OnFailed(report => stopped.TrySetResult(report.Reason));

        var refused = await Assert.ThrowsAsync<PublishFailedException>(() => PublishAsync());
        Assert.DoesNotContain("/data", refused.Message, StringComparison.Ordinal);
        _log.FailAppends(null);
        _log.Break("disk full");

        var reason = await stopped.Task.WaitAsync(Timeouts.Converge, TestContext.Current.CancellationToken);
        Assert.Contains("the record log cannot write", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("/data", reason, StringComparison.Ordinal);
        Assert.Equal(NodeHealth.Unhealthy, NodeHealth.Of(_core).Status);
        await Assert.ThrowsAsync<PublishFailedException>(() => PublishAsync());
    }

    [Fact]
    public async Task ASubscriberThatThrowsNeitherFailsTheRecordNorStarvesTheOthers()
    {
        var woken = 0;
        using var broken = _core.Store.Subscribe(() => throw new InvalidOperationException("a subscriber's bug"));
        using var working = _core.Store.Subscribe(() => Interlocked.Increment(ref woken));

        var published = await PublishAsync();

        Assert.Equal(1, published.Entry.Seq);
        Assert.Equal(1, woken);
        Assert.Equal(1, _core.Context.Telemetry.TaskFailures);
        Assert.Equal(2, (await PublishAsync()).Entry.Seq);
    }

    [Fact]
    public async Task AWaitThatTheCallerAbandonsIsNotPublishedLater()
    {
        _log.StallDurability();
        using var gone = new CancellationTokenSource();
        await gone.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _core.Publisher.PublishAsync(Value, gone.Token));
        _log.ReleaseDurability();
        var next = await PublishAsync();

        // The abandoned draft was never given a seq: a 503 for a deadline means "not stored" whenever the draft was still waiting.
        Assert.Equal([next.Entry.Key], _core.Store.Visible().Select(v => v.Item.Entry.Key));
    }

    [Fact]
    public async Task RecordsWaitingWhenTheNodeStopsAreAnswered()
    {
        _log.StallDurability();
        var waiting = Enumerable.Range(0, 5).Select(_ => PublishAsync()).ToList();

        await _core.DisposeAsync();

        foreach (var publish in waiting)
        {
            var outcome = await Record.ExceptionAsync(() => publish.WaitAsync(Timeouts.Stop, TestContext.Current.CancellationToken));
            Assert.True(outcome is null or PublishFailedException, $"answered with {outcome}");
        }
    }

    [Fact]
    public async Task CallersAtOnceAreAnsweredOnlyOnceDurableEachWithItsOwnSeq()
    {
        // Callers from many threads at once: the signer batches them; each batch is answered by one continuation once
        // durable. None may be answered before its row is durable, none may be left waiting.
        _log.StallDurability();
        var publishes = Enumerable.Range(0, 64).Select(_ => Task.Run(PublishAsync, TestContext.Current.CancellationToken)).ToList();
        await Eventually.UntilAsync(() => Task.FromResult(_core.Store.Count), count => count == 64, Timeouts.Request, "every record signed and stored");
        Assert.All(publishes, publish => Assert.False(publish.IsCompleted, "answered before its row was durable"));

        _log.ReleaseDurability();
        var published = await Task.WhenAll(publishes);

        Assert.Equal(Enumerable.Range(1, 64).Select(seq => (long)seq), published.Select(p => p.Entry.Seq).Order());
        Assert.Equal(published.Select(p => p.Entry.Key).Order(), _core.Store.Visible().Select(v => v.Item.Entry.Key).Order());
    }

    private Task<PublishResult> PublishAsync() => _core.Publisher.PublishAsync(Value, CancellationToken.None).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _core.DisposeAsync();
}

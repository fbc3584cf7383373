using System.Diagnostics;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Trace;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// The sampler every node runs (<see cref="TelemetryDefaults.CreateSampler"/>): a record's trace is decided where it is
/// posted, and every node it reaches keeps it or drops it with that decision, whatever its own budget; a node starts at
/// most its rate of new traces, and a handful posted by hand are all kept.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class TraceSamplingTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void EveryNodeKeepsTheTracesItsOriginKeptAndDropsTheOthers()
    {
        var origin = TelemetryDefaults.CreateSampler(tracesPerSecond: 2, _time);
        // The record crosses two more nodes: one starts no traces of its own, the other has spent its budget on its own.
        var relays = new[] { TelemetryDefaults.CreateSampler(0, _time), Drained(TelemetryDefaults.CreateSampler(2, _time)) };
        int kept = 0, dropped = 0;

        // A burst of 40 records at the origin, then one a second.
        for (var record = 0; record < 60; record++)
        {
            if (record >= 40)
            {
                _time.Advance(TimeSpan.FromSeconds(1));
            }

            var (keptHere, traceparent) = Publish(origin);
            (kept, dropped) = keptHere ? (kept + 1, dropped) : (kept, dropped + 1);
            foreach (var relay in relays)
            {
                var received = relay.ShouldSample(Received(traceparent)).Decision;
                Assert.Equal(keptHere ? SamplingDecision.RecordAndSample : SamplingDecision.Drop, received);
                // What the relay hands on (RecordTracing.Next): its receive span's context when recorded, else what it got.
                traceparent = received == SamplingDecision.RecordAndSample
                    ? new ActivityContext(traceparent.TraceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true)
                    : traceparent;
            }
        }

        // The bucket's first handful of the burst, then the two a second it earns.
        Assert.Equal((int)RateLimitingSampler.MinimumBurst + 20, kept);
        Assert.Equal(60 - kept, dropped);
    }

    [Fact]
    public void BelowADroppedRootTheNodesSpansExistButAreNotRecorded()
    {
        var sampler = Drained(TelemetryDefaults.CreateSampler(1, _time));
        var root = sampler.ShouldSample(Request()).Decision;
        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None, isRemote: false);

        var child = sampler.ShouldSample(new SamplingParameters(parent, parent.TraceId, "publish records", ActivityKind.Producer)).Decision;

        Assert.Equal(SamplingDecision.Drop, root);
        // Created (so the node core never starts a trace of its own for the record) but not exported, and its
        // traceparent says "not sampled" to every node the record reaches.
        Assert.Equal(SamplingDecision.RecordOnly, child);
    }

    [Fact]
    public void ANodeStartsAtMostItsRateOfNewTracesAfterAFirstHandful()
    {
        var sampler = TelemetryDefaults.CreateSampler(tracesPerSecond: 5, _time);
        var kept = 0;

        // 100 records a second for a minute.
        for (var i = 0; i < 6_000; i++)
        {
            kept += sampler.ShouldSample(Request()).Decision == SamplingDecision.RecordAndSample ? 1 : 0;
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        // The bucket's first handful, then 5 a second.
        Assert.InRange(kept, 5 * 60, RateLimitingSampler.MinimumBurst + 5 * 60);
    }

    [Fact]
    public void RecordsPostedByHandAreAllTracedEvenAtALowRate()
    {
        var sampler = TelemetryDefaults.CreateSampler(tracesPerSecond: 0.1, _time);

        var decisions = Enumerable.Range(0, (int)RateLimitingSampler.MinimumBurst).Select(_ => sampler.ShouldSample(Request()).Decision).ToList();

        Assert.All(decisions, d => Assert.Equal(SamplingDecision.RecordAndSample, d));
    }

    [Fact]
    public void ANodeWithARateOfZeroStartsNoTraceButFollowsOthers()
    {
        var sampler = TelemetryDefaults.CreateSampler(0, _time);
        var sampledParent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);

        Assert.Equal(SamplingDecision.Drop, sampler.ShouldSample(Request()).Decision);
        Assert.Equal(SamplingDecision.RecordAndSample, sampler.ShouldSample(Received(sampledParent)).Decision);
    }

    [Fact]
    public void RequestsTheNodeNeverTracesSpendNoneOfItsBudget()
    {
        var untraced = true;
        var sampler = TelemetryDefaults.CreateSampler(tracesPerSecond: 1, _time, untraced: () => untraced);

        // Health probes and live-view reads, many more than the bucket holds: none traced, none counted.
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(SamplingDecision.Drop, sampler.ShouldSample(Request()).Decision));
        untraced = false;

        // The records posted next still find the whole first handful.
        Assert.All(Enumerable.Range(0, (int)RateLimitingSampler.MinimumBurst), _ => Assert.Equal(SamplingDecision.RecordAndSample, sampler.ShouldSample(Request()).Decision));
    }

    [Fact]
    public void ARecordReadOnAnUntracedRequestIsStillTraced()
    {
        // A tutorial node's record arrives on its WebSocket request (never traced itself) with no traceparent: the
        // node's receive span starts a trace of its own, from the budget.
        var sampler = TelemetryDefaults.CreateSampler(tracesPerSecond: 1, _time, untraced: () => true);
        var receive = new SamplingParameters(default, ActivityTraceId.CreateRandom(), "receive records", ActivityKind.Consumer);

        Assert.Equal(SamplingDecision.RecordAndSample, sampler.ShouldSample(receive).Decision);
    }

    /// <summary>The request that posts a record (its root), then the node's publish span below it: kept, and the traceparent sent on.</summary>
    private static (bool Kept, ActivityContext Traceparent) Publish(Sampler origin)
    {
        var root = origin.ShouldSample(Request()).Decision == SamplingDecision.RecordAndSample;
        var request = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), root ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None);
        var publish = origin.ShouldSample(new SamplingParameters(request, request.TraceId, "publish records", ActivityKind.Producer)).Decision;
        Assert.Equal(root ? SamplingDecision.RecordAndSample : SamplingDecision.RecordOnly, publish);
        var flags = publish == SamplingDecision.RecordAndSample ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None;
        return (root, new ActivityContext(request.TraceId, ActivitySpanId.CreateRandom(), flags, isRemote: true));
    }

    /// <summary>The span ASP.NET Core starts for a request with no traceparent, as the sampler sees it.</summary>
    private static SamplingParameters Request() => new(default, ActivityTraceId.CreateRandom(), UntracedRequestSampler.RequestSpanName, ActivityKind.Server);

    private static SamplingParameters Received(ActivityContext traceparent) => new(traceparent, traceparent.TraceId, "receive records", ActivityKind.Consumer);

    private static Sampler Drained(Sampler sampler)
    {
        while (sampler.ShouldSample(Request()).Decision == SamplingDecision.RecordAndSample)
        {
        }

        return sampler;
    }
}

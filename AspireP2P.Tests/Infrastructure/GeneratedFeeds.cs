using System.Buffers.Binary;
using System.Security.Cryptography;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Reconciliation;
using AspireP2P.Node.Records;

namespace AspireP2P.Tests.Infrastructure;

/// <summary>
/// Made-up feeds for reconciliation tests, one node's view: each feed holds some seq ranges, and an entry's leaf hash is
/// derived from (origin, seq, version), so a million entries cost no memory; a different version of a seq is an origin
/// that signed twice. Variants share the feeds they do not change (<see cref="With"/>), so two views of a million
/// entries that differ in one feed cost one build.
/// </summary>
public sealed class GeneratedFeeds : IReconcileView
{
    private readonly Dictionary<NodeId, FeedSpec> _specs;
    private readonly Dictionary<NodeId, PublishedFeed> _published;

    public GeneratedFeeds(IEnumerable<FeedSpec> specs)
        : this(specs.ToDictionary(s => s.Origin), [])
    {
    }

    private GeneratedFeeds(Dictionary<NodeId, FeedSpec> specs, Dictionary<NodeId, PublishedFeed> published)
    {
        _specs = specs;
        _published = published;
        // A million entries hash in parallel: each feed's content sum is its own.
        var missing = _specs.Values.Where(s => !_published.ContainsKey(s.Origin)).ToArray();
        var built = new PublishedFeed[missing.Length];
        Parallel.For(0, missing.Length, i => built[i] = Publish(missing[i]));
        foreach (var feed in built)
        {
            _published[feed.Origin] = feed;
        }

        Feeds = FeedSnapshot.Of(_published.Values);
    }

    public FeedSnapshot Feeds { get; }

    public IReadOnlyDictionary<NodeId, FeedSpec> Specs => _specs;

    /// <summary>A view with some feeds replaced, added (a spec of an origin not held) or removed (null).</summary>
    public GeneratedFeeds With(params (NodeId Origin, FeedSpec? Spec)[] changes)
    {
        var specs = new Dictionary<NodeId, FeedSpec>(_specs);
        var published = new Dictionary<NodeId, PublishedFeed>(_published);
        foreach (var (origin, spec) in changes)
        {
            published.Remove(origin);
            if (spec is null)
            {
                specs.Remove(origin);
            }
            else
            {
                specs[origin] = spec;
            }
        }

        return new GeneratedFeeds(specs, published);
    }

    /// <summary><paramref name="count"/> feeds of seqs 1..<paramref name="entriesPerFeed"/>, origins from a seed.</summary>
    public static GeneratedFeeds Contiguous(int count, int entriesPerFeed, int seed = 1) =>
        new(Enumerable.Range(0, count).Select(i => new FeedSpec(Origin(seed, i), [(1, entriesPerFeed)])));

    public static NodeId Origin(int seed, int index)
    {
        Span<byte> input = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(input, seed);
        BinaryPrimitives.WriteInt32LittleEndian(input[4..], index);
        return NodeId.Read(SHA256.HashData(input));
    }

    public static void Leaf(NodeId origin, long seq, int version, Span<byte> leaf)
    {
        Span<byte> input = stackalloc byte[NodeId.ByteLength + 12];
        origin.Write(input);
        BinaryPrimitives.WriteInt64LittleEndian(input[NodeId.ByteLength..], seq);
        BinaryPrimitives.WriteInt32LittleEndian(input[(NodeId.ByteLength + 8)..], version);
        SHA256.HashData(input, leaf);
    }

    public int ReadLeaves(NodeId origin, long fromSeq, long toSeq, Span<SeqLeaf> page)
    {
        if (!_specs.TryGetValue(origin, out var spec))
        {
            return 0;
        }

        var filled = 0;
        Span<byte> leaf = stackalloc byte[32];
        foreach (var (from, to) in spec.Held)
        {
            for (var seq = Math.Max(from, fromSeq); seq <= Math.Min(to, toSeq) && filled < page.Length; seq++)
            {
                Leaf(origin, seq, spec.VersionOf(seq), leaf);
                page[filled++] = SeqLeaf.Of(seq, leaf);
            }
        }

        return filled;
    }

    public void TrimHeld(NodeId origin, List<(long From, long To)> ranges)
    {
    }

    private static PublishedFeed Publish(FeedSpec spec)
    {
        var sum = default(ContentSum);
        long count = 0;
        Span<byte> leaf = stackalloc byte[32];
        foreach (var (from, to) in spec.Held)
        {
            for (var seq = from; seq <= to; seq++)
            {
                Leaf(spec.Origin, seq, spec.VersionOf(seq), leaf);
                sum.Add(leaf);
                count++;
            }
        }

        var high = spec.Held.Count == 0 ? 0 : spec.Held[^1].To;
        var gaps = SeqRanges.Subtract([(1, high)], [.. spec.Held]).SelectMany(g => new[] { g.From, g.To }).ToArray();
        return new PublishedFeed(spec.Origin, count, high, gaps, sum);
    }
}

/// <summary>One made-up feed: the seq ranges held (sorted, disjoint) and, per seq, which of the origin's versions is held (0 by default).</summary>
public sealed record FeedSpec(NodeId Origin, IReadOnlyList<(long From, long To)> Held, IReadOnlyDictionary<long, int>? Versions = null)
{
    public int VersionOf(long seq) => Versions?.GetValueOrDefault(seq) ?? 0;
}

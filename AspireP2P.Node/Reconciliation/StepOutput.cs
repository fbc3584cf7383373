using AspireP2P.Node.Protocol.Binary;

namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// The items of the reply a step is building, within its byte budget. The first item always fits, so every step makes
/// progress; a work whose output does not fit stops and offers it again at the next step, unchanged.
/// </summary>
internal sealed class StepOutput(int maxBytes)
{
    public List<ReconcileItem> Items { get; } = [];

    public int Bytes { get; private set; }

    public bool Full => Bytes >= maxBytes;

    public bool TryAdd(ReconcileItem item) => TryAddAll([item]);

    /// <summary>Adds all of them or none.</summary>
    public bool TryAddAll(IReadOnlyList<ReconcileItem> items)
    {
        var size = 0;
        foreach (var item in items)
        {
            size += ReconcileItemSizes.Of(item);
        }

        if (Items.Count > 0 && Bytes + size > maxBytes)
        {
            return false;
        }

        Items.AddRange(items);
        Bytes += size;
        return true;
    }
}

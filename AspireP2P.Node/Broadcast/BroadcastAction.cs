namespace AspireP2P.Node.Broadcast;

/// <summary>What the eager/lazy policy asks its owner to send; each goes on one link.</summary>
public abstract record BroadcastAction(long Link);

public sealed record SendIHave(long Link, IHaveMessage Message) : BroadcastAction(Link);

public sealed record SendGraft(long Link, GraftMessage Message) : BroadcastAction(Link);

public sealed record SendPrune(long Link, PruneMessage Message) : BroadcastAction(Link);

/// <summary>Send these records in full on the link (the answer to its GRAFT), read from the log.</summary>
public sealed record SendRecords(long Link, IReadOnlyList<OriginSeqs> Records) : BroadcastAction(Link);

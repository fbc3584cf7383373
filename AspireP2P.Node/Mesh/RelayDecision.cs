namespace AspireP2P.Node.Mesh;

/// <summary>
/// What a link does with the next entry of the log. Flooding knows two answers; eager/lazy push (Plumtree) would add a
/// third, "announce its id only", for links on which the record is not sent in full.
/// </summary>
public enum RelayDecision
{
    /// <summary>Not on this link: retired, hidden from a tutorial node, or it came on this very link.</summary>
    Skip,

    /// <summary>The whole record.</summary>
    SendFull,
}

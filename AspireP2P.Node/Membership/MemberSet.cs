using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Membership;

/// <summary>
/// A view of members (active or passive): each id once, in insertion order (so a run replays exactly from its seed),
/// with random picks from the policy's <see cref="Random"/>. Small (tens), so removal is a list scan.
/// </summary>
public sealed class MemberSet
{
    private readonly List<Member> _members = [];

    public int Count => _members.Count;

    public IReadOnlyList<Member> Members => _members;

    public bool Contains(NodeId id) => _members.Exists(m => m.Id == id);

    public bool Add(Member member)
    {
        if (Contains(member.Id))
        {
            return false;
        }

        _members.Add(member);
        return true;
    }

    public bool Remove(NodeId id) => _members.RemoveAll(m => m.Id == id) > 0;

    public Member? Find(NodeId id) => _members.Find(m => m.Id == id) is { Id.IsNone: false } found ? found : null;

    /// <summary>A random member other than those in <paramref name="except"/>, or null.</summary>
    public Member? Pick(Random random, params NodeId[] except)
    {
        var choices = _members.Where(m => !except.Contains(m.Id)).ToList();
        return choices.Count == 0 ? null : choices[random.Next(choices.Count)];
    }

    /// <summary>Up to <paramref name="count"/> distinct random members.</summary>
    public List<Member> Sample(Random random, int count)
    {
        var copy = new List<Member>(_members);
        var sample = new List<Member>(Math.Min(count, copy.Count));
        while (sample.Count < count && copy.Count > 0)
        {
            var index = random.Next(copy.Count);
            sample.Add(copy[index]);
            copy.RemoveAt(index);
        }

        return sample;
    }
}

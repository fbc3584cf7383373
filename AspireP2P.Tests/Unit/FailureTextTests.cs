using AspireP2P.Node.Records.Storage;
using AspireP2P.Node.Supervision;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>What answers may say about a failure: its kind, never a path (issue 20, case 7: the 503 of POST /record named the data directory).</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class FailureTextTests
{
    public static TheoryData<Exception, string> Failures => new()
    {
        { new UnauthorizedAccessException("Access to the path '/srv/node/feed.state' is denied."), "permission denied on the node's data" },
        { new RecordLogFailedException("the record log in /srv/node cannot write", new IOException("No space left on device : '/srv/node/records.db'", 28)), "the disk is full" },
        { new IOException("Input/output error : '/srv/node/records.db'"), "an I/O error on the node's data" },
        { new InvalidDataException("the record log /srv/node/records.db is damaged"), "the node's data is damaged" },
        { new ObjectDisposedException("/srv/node"), "the node is stopping" },
        { new InvalidOperationException("/srv/node"), "an internal error (InvalidOperationException)" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void TheKindIsToldAndThePathIsNot(Exception failure, string said)
    {
        var text = FailureText.Describe(failure);

        Assert.Equal(said, text);
        Assert.DoesNotContain("/srv", text, StringComparison.Ordinal);
    }
}

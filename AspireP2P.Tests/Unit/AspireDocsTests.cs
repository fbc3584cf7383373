using AspireP2P.Node.Telemetry;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>docs/aspire.md names the spans a reader will look for in the dashboard: the ones the node emits today.</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class AspireDocsTests
{
    private static readonly string Docs = File.ReadAllText(Path.Combine(
        RepositoryRoot.Find() ?? throw new InvalidOperationException("the tests run outside the repository"), "docs", "aspire.md"));

    [Fact]
    public void TheSpansTheDocsNameAreTheOnesTheNodeEmits()
    {
        // RecordTracing names the record spans "{operation} {destination}"; LinkAcceptor and Dialer the link spans.
        foreach (var span in (string[])[$"publish {NodeTelemetry.RecordsDestination}", $"receive {NodeTelemetry.RecordsDestination}", "accept link", "connect <host:port>"])
        {
            Assert.Contains($"`{span}`", Docs, StringComparison.Ordinal);
        }

        Assert.Contains($"`messaging.system` = `{NodeTelemetry.MessagingSystem}`", Docs, StringComparison.Ordinal);
        // What the dashboard never shows since the service defaults name the operation (MessagingDisplayProcessor).
        Assert.DoesNotContain($"`MSG {NodeTelemetry.MessagingSystem} {NodeTelemetry.RecordsDestination}`", Docs, StringComparison.Ordinal);
    }
}

namespace AspireP2P.Tests.Browser;

/// <summary>
/// The browser tests run on their own, after the parallel ones: Chromium's processes would otherwise compete for the
/// machine's two cores with the timing-sensitive network tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserTestsRunAlone
{
    public const string Name = "Browser";
}

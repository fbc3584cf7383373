using AspireP2P.Tests.Infrastructure;
using Microsoft.Playwright;

namespace AspireP2P.Tests.Browser;

/// <summary>
/// One real headless Chromium per test class, driven by Playwright. The browser is Debian's <c>chromium</c>, a program
/// of eng/test-tools.tsv (Playwright never downloads one here); <c>P2P_CHROMIUM</c> points a developer's run at another.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private static readonly string[] LaunchArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string? _missing;

    /// <summary>Bounds every Playwright action and expectation.</summary>
    public static float TimeoutMs => (float)Timeouts.Converge.TotalMilliseconds;

    public async ValueTask InitializeAsync()
    {
        string executable;
        try
        {
            executable = TestTools.PathOf("chromium");
        }
        catch (InvalidOperationException missing)
        {
            _missing = $"The browser tests drive a real Chromium: {missing.Message} Or set P2P_CHROMIUM to a Chromium executable.";
            return;
        }

        Assertions.SetDefaultExpectTimeout(TimeoutMs);
        _playwright = await Playwright.CreateAsync().WaitAsync(Timeouts.Start);
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args = LaunchArgs,
            Timeout = (float)Timeouts.Start.TotalMilliseconds,
        }).WaitAsync(Timeouts.Start);
    }

    /// <summary>A fresh browser context (its own cookies and cache) with one page, sized like a desktop unless told otherwise.</summary>
    public async Task<NodePage> OpenAsync(TestNode node, int width = 1280, int height = 900)
    {
        if (_browser is null)
        {
            throw new InvalidOperationException(_missing ?? "The browser did not start.");
        }

        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-US",
            TimezoneId = "UTC",
        }).WaitAsync(Timeouts.Start);
        context.SetDefaultTimeout(TimeoutMs);
        context.SetDefaultNavigationTimeout(TimeoutMs);
        var page = await context.NewPageAsync().WaitAsync(Timeouts.Start);
        var nodePage = new NodePage(node, context, page);
        await nodePage.GotoAsync("/ui");
        return nodePage;
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync().WaitAsync(Timeouts.Stop);
        }

        _playwright?.Dispose();
    }
}

using System.Diagnostics;
using Microsoft.Playwright;

namespace AspireP2P.Benchmarks.Soak;

/// <summary>How long a page took to show what a person came for, or why it did not.</summary>
public readonly record struct PageTiming(TimeSpan Elapsed, string? Error)
{
    public override string ToString() => Error is null ? $"{Elapsed.TotalSeconds:0.00} s" : $"failed ({Error})";
}

/// <summary>
/// The dashboard in a real headless Chromium (Debian's, driven by Playwright as the Browser tests do), logged in once
/// with the browser token. Each measurement opens a fresh tab and times from navigation until the page shows its data:
/// the Traces page until a record trace's row is drawn, a trace until every node of it has its row.
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    private static readonly TimeSpan PageTimeout = TimeSpan.FromSeconds(60);

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly IBrowserContext _context;
    private readonly Uri _dashboard;

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, IBrowserContext context, Uri dashboard)
    {
        _playwright = playwright;
        _browser = browser;
        _context = context;
        _dashboard = dashboard;
    }

    public static async Task<DashboardBrowser> StartAsync(string chromium, Uri dashboard, string browserToken)
    {
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException($"No Chromium at {chromium}: install Debian's (apt-get install -y chromium) or pass --chromium PATH.");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 }, Locale = "en-US" });
        context.SetDefaultTimeout((float)PageTimeout.TotalMilliseconds);
        var login = await context.NewPageAsync();
        // The token login sets the dashboard's auth cookie for the context; every later tab is logged in.
        await login.GotoAsync(new Uri(dashboard, $"/login?t={browserToken}").ToString());
        await login.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));
        await login.CloseAsync();
        return new DashboardBrowser(playwright, browser, context, dashboard);
    }

    /// <summary>The Traces page, until a record trace (<c>POST /record</c>) is listed and the count under the grid is drawn.</summary>
    public Task<PageTiming> OpenTracesAsync() => TimeAsync("/traces", page =>
        page.Locator("tr.fluent-data-grid-row td[col-index='2'][title*='POST /record']").First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible }));

    /// <summary>One trace's page, until a row of every node it reached is drawn.</summary>
    public Task<PageTiming> OpenTraceAsync(string traceId, IReadOnlyCollection<string> nodes) => TimeAsync($"/traces/detail/{traceId}", page =>
        page.WaitForFunctionAsync(
            "nodes => nodes.every(n => document.querySelector(`tr.fluent-data-grid-row td[col-index='1'][title^='${n}: ']`))",
            nodes.ToArray(),
            new PageWaitForFunctionOptions { PollingInterval = 50 }));

    private async Task<PageTiming> TimeAsync(string path, Func<IPage, Task> shown)
    {
        var page = await _context.NewPageAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            await page.GotoAsync(new Uri(_dashboard, path).ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
            await shown(page);
            return new PageTiming(clock.Elapsed, null);
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            return new PageTiming(TimeSpan.Zero, ex.Message.Split('\n')[0]);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}

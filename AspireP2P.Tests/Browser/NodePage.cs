using AspireP2P.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AspireP2P.Tests.Browser;

/// <summary>One node's web page in its own browser context, found the way a person finds things on it: by labels, roles and text.</summary>
public sealed class NodePage(TestNode node, IBrowserContext context, IPage page) : IAsyncDisposable
{
    private readonly List<string> _errors = [];
    private bool _watching;

    public TestNode Node { get; } = node;

    public IPage Page { get; } = page;

    public ILocator Records => Page.Locator("#records");

    public ILocator RecordResult => Page.Locator("#record-result");

    public ILocator PeerResult => Page.Locator("#peer-result");

    public ILocator PeersTable => Page.Locator("#peers");

    public ILocator Network => Page.Locator("#network");

    public ILocator Counter(string name) => Page.Locator($"#counters dd[data-counter='{name}']");

    /// <summary>Script errors and failed requests the page reported; a test expects none.</summary>
    public IReadOnlyList<string> Errors
    {
        get { lock (_errors) { return [.. _errors]; } }
    }

    public async Task GotoAsync(string path)
    {
        if (!_watching)
        {
            _watching = true;
            Page.PageError += (_, error) => { lock (_errors) { _errors.Add($"page error: {error}"); } };
            // An API answering 4xx is logged by Chromium as a failed resource; that is the page working, not an error.
            Page.Console += (_, message) =>
            {
                if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
                {
                    lock (_errors) { _errors.Add($"console: {message.Text}"); }
                }
            };
        }

        await Page.GotoAsync(Node.Identity.Address.HttpUri + path.TrimStart('/'));
        await Expect(Page.GetByRole(AriaRole.Status).Filter(new LocatorFilterOptions { HasText = "Live" })).ToBeVisibleAsync();
        await Expect(Page.Locator("#node-address")).ToHaveTextAsync(Node.Address);
    }

    public async Task PostRecordAsync(string text, bool asJson = false)
    {
        await Page.GetByLabel(asJson ? "JSON" : "Text", new PageGetByLabelOptions { Exact = true }).CheckAsync();
        await Page.GetByLabel("Record", new PageGetByLabelOptions { Exact = true }).FillAsync(text);
        await Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Post record" }).ClickAsync();
    }

    public ILocator PeerRow(string address) => PeersTable.Locator($"tbody tr[data-address='{address}']");

    /// <summary>A row of "Connections to this node": a link another node opened, found by the address it gave.</summary>
    public ILocator ConnectionRow(string address) => Page.Locator("#inbound tbody tr", new PageLocatorOptions { HasText = address });

    public async ValueTask DisposeAsync() => await context.CloseAsync().WaitAsync(Timeouts.Stop);
}

using System.Text.RegularExpressions;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Playwright;

using static Microsoft.Playwright.Assertions;

namespace AspireP2P.Tests.Browser;

/// <summary>The page on a node that has an API key: it keeps working, and the key never goes into a URL or a cookie.</summary>
[Collection(BrowserTestsRunAlone.Name)]
public sealed class NodePageApiKeyTests(BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    private const string Key = "0123456789abcdef-browser-test";

    [Fact]
    public async Task OnTheNodesOwnMachineThePageChangesTheNodeWithoutAskingForTheKey()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(2, "--api-key", Key);
        var (node, other) = (network[0], network[1]);
        await using var page = await browser.OpenAsync(node);

        await page.PostRecordAsync("behind a key");
        await page.Page.GetByLabel("Peer address").FillAsync(other.Address);
        await page.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Add peer" }).ClickAsync();

        await Expect(page.RecordResult).ToHaveTextAsync(new Regex("^201 New Record: 'behind a key'"));
        await Expect(page.PeerResult).ToHaveTextAsync($"201 New Peer: '{other.WebSocketUrl}'");
        await Expect(KeyDialog(page)).ToBeHiddenAsync();
        Assert.DoesNotContain(Key, page.Page.Url, StringComparison.Ordinal);
        Assert.Empty(await page.Page.Context.CookiesAsync());
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task WithoutThePageTokenThePageAsksForTheKeyOnceAndKeepsItForTheTab()
    {
        // What a browser on another machine sees: the page has no token and asks for the key on the first 401.
        await using var network = await TestNetwork.StartUnconnectedAsync(2, "--api-key", Key, "--P2P:LoopbackPageToken", "false");
        var (node, other) = (network[0], network[1]);
        await using var page = await browser.OpenAsync(node);
        var dialog = KeyDialog(page);
        var keyField = dialog.GetByLabel("This node's API key");
        var useKey = dialog.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Use key" });

        await page.PostRecordAsync("first");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog).ToContainTextAsync("API Key Required");
        await Expect(keyField).ToBeFocusedAsync();

        await keyField.FillAsync("a-wrong-key-of-some-length");
        await useKey.ClickAsync();
        await Expect(dialog).ToContainTextAsync("not this node's");

        await keyField.FillAsync(Key);
        await page.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifact("node-ui-api-key.png") });
        await useKey.ClickAsync();
        await Expect(page.RecordResult).ToHaveTextAsync(new Regex("^201 New Record: 'first'"));
        await Expect(dialog).ToBeHiddenAsync();

        // The next change goes through without asking: the key stays with this tab (sessionStorage), not in the URL.
        await page.Page.GetByLabel("Peer address").FillAsync(other.Address);
        await page.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Add peer" }).ClickAsync();
        await Expect(page.PeerResult).ToHaveTextAsync($"201 New Peer: '{other.WebSocketUrl}'");
        Assert.Equal(Key, await page.Page.EvaluateAsync<string>("() => sessionStorage.getItem('p2p-api-key')"));
        Assert.DoesNotContain(Key, page.Page.Url, StringComparison.Ordinal);
        Assert.Equal(["\"first\""], await node.GetRecordsRawAsync());
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task CancellingTheKeyShowsTheRefusalAsTheApiStatesIt()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1, "--api-key", Key, "--P2P:LoopbackPageToken", "false");
        await using var page = await browser.OpenAsync(network[0]);

        await page.PostRecordAsync("never stored");
        await KeyDialog(page).GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Cancel" }).ClickAsync();

        await Expect(page.RecordResult).ToHaveTextAsync(new Regex("^401 API Key Required: this endpoint changes the node"));
        Assert.Empty(await network[0].GetRecordsRawAsync());
        Assert.Empty(page.Errors);
    }

    private static ILocator KeyDialog(NodePage page) => page.Page.GetByRole(AriaRole.Dialog, new PageGetByRoleOptions { Name = "API key" });

    private string Artifact(string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        output.WriteLine($"Screenshot: {path}");
        return path;
    }
}

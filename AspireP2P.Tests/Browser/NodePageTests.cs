using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AspireP2P.Tests.Browser;

/// <summary>The node's web page in real Chromium, against real in-process nodes: what a person sees and does on it.</summary>
[Trait(Tier.Category, Tier.Browser)]
[Collection(BrowserTestsRunAlone.Name)]
public sealed class NodePageTests(BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task RecordPostedOnOnePageAppearsOnTheOtherPageWithoutReload()
    {
        await using var network = await TestNetwork.StartChainAsync(2);
        await using var first = await browser.OpenAsync(network[0]);
        await using var second = await browser.OpenAsync(network[1]);
        // node-1 dialed node-0 (its --peers): one link, which carries records both ways.
        await Expect(second.PeerRow(network[0].Address)).ToContainTextAsync("Connected");
        await Expect(first.ConnectionRow(network[1].Address)).ToContainTextAsync(network[1].Identity.Id.Abbreviated);

        await first.PostRecordAsync("hello from the page");

        await Expect(first.RecordResult).ToHaveTextAsync("201 New Record: 'hello from the page' (key " + network[0].Identity.Id + "-1)");
        var arrived = second.Records.Locator("li", new LocatorLocatorOptions { HasText = "hello from the page" });
        await Expect(arrived).ToBeVisibleAsync();
        await Expect(arrived).ToContainTextAsync($"1 hop from {network[0].Identity.Id.Abbreviated}");
        await Expect(second.Counter("received")).ToHaveTextAsync("1");
        await Expect(first.Counter("published")).ToHaveTextAsync("1");
        await Expect(first.Records.Locator("li").First).ToContainTextAsync("created here");

        // A JSON record is shown as JSON, newest first.
        await second.PostRecordAsync("{\"temperature\": 21.5}", asJson: true);
        await Expect(first.Records.Locator("li").First).ToContainTextAsync("\"temperature\": 21.5");
        await Expect(first.Records.Locator("li").Nth(1)).ToContainTextAsync("hello from the page");
        Assert.Empty(first.Errors);
        Assert.Empty(second.Errors);
    }

    [Fact]
    public async Task AddsAPeerFromThePageWithTheKeyboard()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(2);
        var (a, b) = (network[0], network[1]);
        await using var page = await browser.OpenAsync(a);
        await using var other = await browser.OpenAsync(b);
        await Expect(page.Page.GetByText("No peers yet")).ToBeVisibleAsync();

        await page.Page.GetByLabel("Peer address").FocusAsync();
        await page.Page.Keyboard.TypeAsync(b.Address);
        await page.Page.Keyboard.PressAsync("Enter");

        await Expect(page.PeerResult).ToHaveTextAsync($"201 New Peer: '{b.WebSocketUrl}'");
        await Expect(page.PeerRow(b.Address)).ToContainTextAsync("Connected");
        await Expect(page.Page.GetByText("No peers yet")).ToBeHiddenAsync();
        // The other node shows the link among the connections to it, live (no dial-back: one link carries both ways).
        await Expect(other.ConnectionRow(a.Address)).ToContainTextAsync(a.Identity.Id.Abbreviated);
        await Expect(other.PeersTable).ToBeHiddenAsync();
        await Expect(page.Network).ToHaveAttributeAsync("data-nodes", "2");
        await Expect(page.Network).ToHaveAttributeAsync("data-links", "1");
        await Expect(page.Page.Locator("#network-desc")).ToContainTextAsync($"{a.Address} ↔ {b.Address}");
        Assert.Equal([b.WebSocketUrl], await a.GetPeersAsync());
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task ShowsTheApiValidationErrorsAsTheApiStatesThem()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1);
        var node = network[0];
        await using var page = await browser.OpenAsync(node);

        await page.PostRecordAsync("null", asJson: true);
        var nullRecord = await ProblemAsync(node, "/record", "{\"record\": null}");
        await Expect(page.RecordResult).ToHaveTextAsync($"400 {nullRecord.Message}: {nullRecord.Detail}");
        await Expect(page.RecordResult).ToContainTextAsync("Record Value Fail");

        await page.PostRecordAsync("{oops", asJson: true);
        var badJson = await ProblemAsync(node, "/record", "{\"record\": {oops}");
        await Expect(page.RecordResult).ToHaveTextAsync($"400 {badJson.Message}: {badJson.Detail}");

        await page.Page.GetByLabel("Peer address").FillAsync("not a peer");
        await page.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Add peer" }).ClickAsync();
        var badPeer = await ProblemAsync(node, "/peer", "{\"targetUrl\": \"not a peer\"}");
        await Expect(page.PeerResult).ToHaveTextAsync($"400 {badPeer.Message}: {badPeer.Detail}");
        await Expect(page.PeerResult).ToContainTextAsync("Target URL Value Fail");

        await page.Page.GetByLabel("Peer address").FillAsync(node.Address);
        await page.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Add peer" }).ClickAsync();
        await Expect(page.PeerResult).ToHaveTextAsync($"400 Cannot Peer With Itself: '{node.WebSocketUrl}' is this node's own address");

        Assert.Equal(0, await node.GetTotalAsync("published"));
        await Expect(page.Page.GetByText("No records yet")).ToBeVisibleAsync();
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task DisconnectsAPeerFromThePage()
    {
        await using var network = await TestNetwork.StartChainAsync(2);
        // The page of the node that dialed: node-1 (its --peers is node-0).
        var (a, b) = (network[1], network[0]);
        await using var page = await browser.OpenAsync(a);
        await Expect(page.PeerRow(b.Address)).ToContainTextAsync("Connected");

        await page.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = $"Disconnect {b.Address}" }).ClickAsync();

        await Expect(page.Page.Locator("#peers-result")).ToHaveTextAsync($"200 Disconnected from '{b.WebSocketUrl}'");
        await Expect(page.PeerRow(b.Address)).ToHaveCountAsync(0);
        // Keyboard users are not dropped at the top of the page when the row (and its button) goes away.
        await Expect(page.Page.Locator("#peers-heading")).ToBeFocusedAsync();
        await Expect(page.Counter("peers")).ToHaveTextAsync("0");
        Assert.Empty(await a.GetPeersAsync());
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task ShowsARecordSpreadingAcrossTheNetworkAtDesktopAndPhoneWidths()
    {
        await using var network = await TestNetwork.StartChainAsync(3);
        foreach (var value in new object[] { "hello", "world", new { sensor = "t-1", celsius = 21.5 } })
        {
            using var posted = await network[1].PostRecordAsync(value);
            posted.EnsureSuccessStatusCode();
        }

        await network.WaitForRecordsAsync("\"hello\"", "\"world\"", "{\"sensor\":\"t-1\",\"celsius\":21.5}");
        await using var page = await browser.OpenAsync(network[0]);
        await Expect(page.Records.Locator("li")).ToHaveCountAsync(3);
        // This node knows one peer; the page follows that peer's own stream to find the third node.
        await Expect(page.Network).ToHaveAttributeAsync("data-nodes", "3");
        await Expect(page.Network).ToHaveAttributeAsync("data-links", "2");

        using var far = await network[2].PostRecordAsync("from the far end");
        var key = (await far.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken)).GetProperty("key").GetString();
        await Expect(page.Page.Locator("#spread")).ToContainTextAsync($"Record {key} reached 3 of 3 nodes");
        await Expect(page.Records.Locator("li").First).ToContainTextAsync("2 hops from");

        var desktop = Artifact("node-ui-desktop.png");
        await page.Page.ScreenshotAsync(new PageScreenshotOptions { Path = desktop, FullPage = true });
        output.WriteLine($"Screenshot: {desktop}");

        await page.Page.SetViewportSizeAsync(390, 844);
        await Expect(page.Page.GetByLabel("Record", new PageGetByLabelOptions { Exact = true })).ToBeVisibleAsync();
        var overflow = await page.Page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow}px wider than a 390px phone screen");
        var phone = Artifact("node-ui-phone.png");
        await page.Page.ScreenshotAsync(new PageScreenshotOptions { Path = phone, FullPage = true });
        output.WriteLine($"Screenshot: {phone}");
        Assert.True(new FileInfo(desktop).Length > 10_000 && new FileInfo(phone).Length > 10_000);
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task BrowserOpeningTheRootIsSentToThePage()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1);
        await using var page = await browser.OpenAsync(network[0]);

        await page.GotoAsync("/");

        Assert.EndsWith("/ui", page.Page.Url, StringComparison.Ordinal);
        await Expect(page.Page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Level = 1 })).ToContainTextAsync(network[0].Address);
        Assert.Equal("{\"message\":\"Hello World\"}", await network[0].Http.GetStringAsync("/", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken));
    }

    private static string Artifact(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }

    private static async Task<(string Message, string Detail)> ProblemAsync(TestNode node, string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await node.Http.PostAsync(path, content).WaitAsync(Timeouts.Request);
        Assert.Equal(400, (int)response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>().WaitAsync(Timeouts.Request);
        return (problem.GetProperty("message").GetString()!, problem.GetProperty("detail").GetString()!);
    }
}

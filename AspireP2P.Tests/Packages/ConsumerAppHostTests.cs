using System.Diagnostics;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Packages;

/// <summary>
/// What a developer without this repository gets: the packages packed into a local folder feed, an AppHost in a folder
/// outside the repository that references only them and public Aspire packages, <c>AddP2PNetwork("p2p", nodes: 3)</c>
/// and a web app of its own that hosts the node from the AspireP2P.Node package and joins, and a check program that
/// starts it through Aspire.Hosting.Testing and drives it with AspireP2P.Testing.
/// </summary>
[Trait(Tier.Category, Tier.Packages)]
[Collection(Aspire.AspireNetworks.Name)]
public sealed class ConsumerAppHostTests(ITestOutputHelper output)
{
    private const string AspireHostingVersion = "13.6.5";
    private const string AspireSdkVersion = "13.6.4";

    [Fact]
    public async Task AConsumerAppHostOutsideTheRepositoryRunsANetworkFromThePackedPackages()
    {
        var (feed, packTime) = await PackedFeed.PackAsync(output);
        using var _ = feed;
        output.WriteLine($"packed {string.Join(", ", PackedFeed.PackageIds)} {feed.Version} in {packTime.TotalSeconds:0} s");

        // Each package carries its README, the license, its assembly's PDB (SourceLink) and the repository's commit.
        foreach (var id in PackedFeed.PackageIds)
        {
            var files = feed.Files(id);
            Assert.Contains("README.md", files);
            Assert.Contains("LICENSE", files);
            Assert.Contains($"lib/net10.0/{id}.dll", files);
            Assert.Contains($"lib/net10.0/{id}.pdb", files);
            Assert.Matches("<repository type=\"git\" url=\"[^\"]+\"[^>]* commit=\"[0-9a-f]{40}\"", feed.Nuspec(id));
        }

        // The hosting package ships the node it runs; the node package does not drag the standalone node's defaults along.
        Assert.Contains("tools/node/AspireP2P.Node.dll", feed.Files("AspireP2P.Hosting"));
        Assert.Contains("buildTransitive/AspireP2P.Hosting.targets", feed.Files("AspireP2P.Hosting"));
        Assert.DoesNotContain("AspireP2P.ServiceDefaults", feed.Nuspec("AspireP2P.Node"), StringComparison.Ordinal);
        Assert.Contains($"<dependency id=\"AspireP2P.Hosting\" version=\"{feed.Version}\"", feed.Nuspec("AspireP2P.Testing"), StringComparison.Ordinal);

        var check = WriteConsumer(feed);
        var watch = Stopwatch.StartNew();
        var printed = await feed.DotnetAsync(output, feed.Root, "run", "--project", check, "-nologo");
        output.WriteLine($"consumer restore, build and run: {watch.Elapsed.TotalSeconds:0} s");
        output.WriteLine(printed);

        var lines = printed.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("nodes: node-0, node-1, node-2, app", lines);
        Assert.Contains("linked: node-0 1, node-1 2, node-2 2, app 1", lines);
        Assert.Contains(lines, l => l.StartsWith("record everywhere: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("app's record everywhere: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("converged: ", StringComparison.Ordinal));
        // The nodes ran from the package: its targets copied the node next to the AppHost.
        Assert.True(File.Exists(Path.Combine(feed.Root, "Check", "bin", "Debug", "net10.0", "aspirep2p-node", "AspireP2P.Node.dll")));
    }

    /// <summary>The consumer: an AppHost, a web app that hosts the node, and the program that checks them; returns the check's project.</summary>
    private static string WriteConsumer(PackedFeed feed)
    {
        feed.WriteNuGetConfig();
        var web = Directory.CreateDirectory(Path.Combine(feed.Root, "Consumer.App")).FullName;
        File.WriteAllText(Path.Combine(web, "Consumer.App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="AspireP2P.Node" Version="{feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(web, "Program.cs"), """
            using AspireP2P.Node;

            var builder = WebApplication.CreateBuilder(args);
            builder.AddP2PNode();
            var app = builder.Build();
            app.MapP2PNode();
            app.MapHealthChecks("/health");
            app.MapPost("/say", async (HttpRequest request, IP2PRecords records, CancellationToken ct) =>
            {
                var text = await new StreamReader(request.Body).ReadToEndAsync(ct);
                return Results.Ok((await records.PublishAsync(text, ct)).Key);
            });
            app.Run();
            """);

        var appHost = Directory.CreateDirectory(Path.Combine(feed.Root, "Consumer.AppHost")).FullName;
        File.WriteAllText(Path.Combine(appHost, "Consumer.AppHost.csproj"), $"""
            <Project Sdk="Aspire.AppHost.Sdk/{AspireSdkVersion}">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <NoWarn>$(NoWarn);ASPIRE010</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Aspire.Hosting.AppHost" Version="{AspireHostingVersion}" />
                <PackageReference Include="Polly.Core" Version="8.8.0" />
                <PackageReference Include="Nerdbank.MessagePack" Version="1.3.88" />
                <PackageReference Include="AspireP2P.Hosting" Version="{feed.Version}" />
                <ProjectReference Include="../Consumer.App/Consumer.App.csproj" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(appHost, "AppHost.cs"), """
            var builder = DistributedApplication.CreateBuilder(args);
            var p2p = builder.AddP2PNetwork("p2p", nodes: 3);
            builder.AddProject<Projects.Consumer_App>("app").JoinP2PNetwork(p2p);
            builder.Build().Run();

            namespace Consumer
            {
                /// <summary>What Aspire.Hosting.Testing starts the AppHost by.</summary>
                public sealed class AppHostEntry;
            }
            """);

        var check = Directory.CreateDirectory(Path.Combine(feed.Root, "Check")).FullName;
        File.WriteAllText(Path.Combine(check, "Check.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Aspire.Hosting.Testing" Version="{AspireHostingVersion}" />
                <PackageReference Include="Polly.Core" Version="8.8.0" />
                <PackageReference Include="Polly.Extensions" Version="8.8.0" />
                <PackageReference Include="Nerdbank.MessagePack" Version="1.3.88" />
                <PackageReference Include="AspireP2P.Testing" Version="{feed.Version}" />
                <ProjectReference Include="../Consumer.AppHost/Consumer.AppHost.csproj" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(check, "Program.cs"), """
            using AspireP2P.Testing;

            // Every step has a deadline; the whole check too.
            using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            var ct = cancel.Token;
            var step = TimeSpan.FromMinutes(2);

            // Started through Aspire.Hosting.Testing, every node healthy; disposing it stops everything.
            await using var p2p = await P2PTestNetwork.StartAsync<Consumer.AppHostEntry>("p2p", timeout: step, cancellationToken: ct);
            Console.WriteLine($"nodes: {string.Join(", ", p2p.Nodes)}");

            // A chain, the app at its end: each is linked to its neighbours.
            var chain = new Dictionary<string, int> { ["node-0"] = 1, ["node-1"] = 2, ["node-2"] = 2, ["app"] = 1 };
            await p2p.WaitForLinkCountsAsync(chain, step, ct);
            var linked = string.Join(", ", chain.Select(e => $"{e.Key} {e.Value}"));
            Console.WriteLine($"linked: {linked}");
            var value = $"hello from a consumer {Guid.NewGuid():N}";
            var posted = await p2p.PostRecordAsync("node-2", value, ct);
            await p2p.WaitForRecordEverywhereAsync(value, step, ct);
            Console.WriteLine($"record everywhere: {posted.Key}");

            // The app publishes through IP2PRecords; its record reaches every node too.
            using var http = await p2p.CreateNodeClientAsync("app", ct);
            var said = $"hello from the app {Guid.NewGuid():N}";
            using var response = await http.PostAsync("/say", new StringContent(said), ct);
            response.EnsureSuccessStatusCode();
            await p2p.WaitForRecordEverywhereAsync(said, step, ct);
            Console.WriteLine($"app's record everywhere: {await response.Content.ReadAsStringAsync(ct)}");
            Console.WriteLine($"converged: {await p2p.WaitForConvergenceAsync(step, ct)}");
            return 0;
            """);
        return Path.Combine(check, "Check.csproj");
    }
}

using System.Text.RegularExpressions;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// eng/test-tools.tsv is the one list of programs the tests start: <c>./build.sh --test</c> installs from it, the tests
/// start programs only through it, and the README names each one. These keep the three from drifting apart, so a fresh
/// machine never lacks what CI happened to have.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed partial class TestToolsTests
{
    private static readonly string Root = RepositoryRoot.Find() ?? throw new InvalidOperationException("the tests run outside the repository");
    private static readonly string TestsDirectory = Path.Combine(Root, "AspireP2P.Tests");

    [Fact]
    public void EveryProgramIsStartedThroughTheListAndNoTestNamesAProgramByItsPath()
    {
        var offences = new List<string>();
        foreach (var file in TestSources().Where(f => Path.GetFileName(f) != nameof(TestTools) + ".cs"))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (StartedAnotherWay().IsMatch(lines[i]) || ProgramPath().IsMatch(lines[i]))
                {
                    offences.Add($"{Path.GetRelativePath(Root, file)}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }

        Assert.True(offences.Count == 0,
            "Start programs with TestTools.StartInfo(\"<program of eng/test-tools.tsv>\", …) or TestTools.PathOf, by name, not by path:"
            + Environment.NewLine + string.Join(Environment.NewLine, offences));
    }

    [Fact]
    public void EveryProgramTheTestsNameIsListed()
    {
        var named = TestSources()
            .SelectMany(file => NamedProgram().Matches(File.ReadAllText(file)).Select(m => m.Groups["program"].Value))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Contains("faketime", named);
        Assert.All(named, program => Assert.True(TestTools.Listed.ContainsKey(program), $"{program} is started by a test but not listed in eng/test-tools.tsv"));
    }

    [Fact]
    public void ScriptsTheTestsRunNameNoProgramByItsPath()
    {
        var scripts = TestSources()
            .SelectMany(file => ScriptRun().Matches(File.ReadAllText(file)).Select(m => Path.Combine(Root, "eng", m.Groups["script"].Value)))
            .Distinct()
            .ToList();

        Assert.Contains(scripts, s => s.EndsWith("hosts.sh", StringComparison.Ordinal));
        Assert.Contains(scripts, s => s.EndsWith("aspire-cli-check.sh", StringComparison.Ordinal));
        // Everything else a script runs goes through PATH, which holds the listed programs only when the tests run it.
        var offences = scripts
            .SelectMany(script => File.ReadAllLines(script).Select((line, i) => (script, line, number: i + 1)).Skip(1))
            .Where(l => !l.line.TrimStart().StartsWith('#') && ProgramPath().IsMatch(l.line))
            .Select(l => $"{Path.GetRelativePath(Root, l.script)}:{l.number}: {l.line.Trim()}")
            .ToList();
        Assert.True(offences.Count == 0, string.Join(Environment.NewLine, offences));
    }

    [Fact]
    public void TheListIsWellFormedAndTheReadmeNamesEveryProgramAndItsSource()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));

        Assert.NotEmpty(TestTools.Listed);
        Assert.All(TestTools.Listed.Values, tool =>
        {
            Assert.Matches(KnownSource(), tool.Source);
            Assert.False(string.IsNullOrWhiteSpace(tool.StartedBy), $"{tool.Program}: say what starts it");
            Assert.True(readme.Contains($"| `{tool.Program}` | `{tool.Source}` |", StringComparison.Ordinal),
                $"README.md's table of test tools has no row \"| `{tool.Program}` | `{tool.Source}` | …\"");
        });
    }

    [Fact]
    public void AProgramThatIsNotListedCannotBeStartedAndAListedOneSeesOnlyTheListOnItsPath()
    {
        const string notListed = "wget";
        var error = Assert.Throws<InvalidOperationException>(() => TestTools.StartInfo(notListed, "--version"));
        Assert.Contains("eng/test-tools.tsv", error.Message, StringComparison.Ordinal);

        var start = TestTools.StartInfo("bash", "-c", "true");
        Assert.Equal(TestTools.Directory, start.Environment["PATH"]);
        Assert.Equal(Path.Combine(TestTools.Directory, "bash"), start.FileName);
    }

    private static IEnumerable<string> TestSources() =>
        Directory.EnumerateFiles(TestsDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    /// <summary>A ProcessStartInfo made by hand, or Process.Start given a program name.</summary>
    [GeneratedRegex(@"new\s+ProcessStartInfo\b|Process\.Start\(\s*(""|new\b|[A-Za-z_]+\s*,)")]
    private static partial Regex StartedAnotherWay();

    /// <summary>An absolute path into a directory of programs (the shebang's <c>/usr/bin/env</c> aside).</summary>
    [GeneratedRegex(@"(?<![\w.])/(usr/)?(local/)?s?bin/(?!env\b)[\w.-]+")]
    private static partial Regex ProgramPath();

    [GeneratedRegex(@"TestTools\.(StartInfo|PathOf)\(\s*""(?<program>[^""]+)""")]
    private static partial Regex NamedProgram();

    [GeneratedRegex(@"""eng"",\s*""(?<script>[\w.-]+\.sh)""")]
    private static partial Regex ScriptRun();

    [GeneratedRegex(@"^(sdk|apt:[a-z0-9.+-]+|npm:[\w.-]+@[\w.-]+|dotnet-tool:[\w.-]+@[\w.-]+)$")]
    private static partial Regex KnownSource();
}

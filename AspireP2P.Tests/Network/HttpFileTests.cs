using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

/// <summary>
/// AspireP2P.Node/AspireP2P.Node.http runs as is: each of its requests, in order, against three nodes with an API key
/// (its ports 3030/4040/5050 and its key variable swapped for the test nodes'), answers as its comment says.
/// </summary>
public sealed partial class HttpFileTests
{
    private const string Key = "0123456789abcdef-http-file-test";

    /// <summary>The tutorial's three ports, as the file names them.</summary>
    private static readonly string[] FilePorts = ["3030", "4040", "5050"];

    [Fact]
    public async Task TheWalkthroughInTheHttpFileRunsAgainstThreeNodes()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(3, "--api-key", Key);
        var ports = FilePorts.Zip(network.Nodes).ToDictionary(p => p.First, p => p.Second.Identity.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var text = FilePort().Replace(await File.ReadAllTextAsync(HttpFilePath()).WaitAsync(Timeouts.Request), m => ports[m.Value]);

        var requests = Parse(text, new Dictionary<string, string> { ["apiKey"] = Key });
        Assert.True(requests.Count >= 15, $"only {requests.Count} requests parsed");
        Assert.Contains(requests, r => r.Method == HttpMethod.Post && r.Url.EndsWith("/peer", StringComparison.Ordinal));

        using var http = new HttpClient { Timeout = Timeouts.Connect };
        foreach (var request in requests)
        {
            using var message = new HttpRequestMessage(request.Method, request.Url);
            if (request.Body.Length > 0)
            {
                message.Content = new StringContent(request.Body, Encoding.UTF8);
                message.Content.Headers.ContentType = null;
            }

            foreach (var (name, value) in request.Headers)
            {
                if (!message.Headers.TryAddWithoutValidation(name, value))
                {
                    message.Content!.Headers.TryAddWithoutValidation(name, value);
                }
            }

            using var response = await http.SendAsync(message).WaitAsync(Timeouts.Connect);
            var expected = request.Title.StartsWith("Refused", StringComparison.Ordinal) ? HttpStatusCode.UnsupportedMediaType : (HttpStatusCode?)null;
            Assert.True(
                expected is { } status ? response.StatusCode == status : response.IsSuccessStatusCode,
                $"{request.Title}: {request.Method} {request.Url} answered {(int)response.StatusCode} {await response.Content.ReadAsStringAsync().WaitAsync(Timeouts.Request)}");
        }

        var records = await network[0].GetRecordsRawAsync();
        Assert.Equal(2, records.Length);
        Assert.Equal("\"hello\"", records[0]);
    }

    private static List<HttpFileRequest> Parse(string text, Dictionary<string, string> overrides)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var requests = new List<HttpFileRequest>();
        var blocks = Regex.Split(text, "^###", RegexOptions.Multiline);
        for (var b = 0; b < blocks.Length; b++)
        {
            // Before the first ### come the variables; every later block starts with its title.
            var lines = blocks[b].Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            var title = b == 0 ? string.Empty : lines[0].Trim();
            var index = b == 0 ? 0 : 1;
            for (; index < lines.Count && (lines[index].Length == 0 || lines[index].StartsWith('#') || lines[index].StartsWith('@')); index++)
            {
                if (Variable().Match(lines[index]) is { Success: true } variable)
                {
                    var name = variable.Groups[1].Value;
                    variables[name] = overrides.TryGetValue(name, out var value) ? value : variable.Groups[2].Value.Trim();
                }
            }

            if (index >= lines.Count)
            {
                continue;
            }

            var requestLine = Expand(lines[index++], variables).Split(' ', 2);
            var headers = new List<(string, string)>();
            for (; index < lines.Count && lines[index].Length > 0; index++)
            {
                var colon = lines[index].IndexOf(':', StringComparison.Ordinal);
                headers.Add((lines[index][..colon].Trim(), Expand(lines[index][(colon + 1)..].Trim(), variables)));
            }

            var body = Expand(string.Join('\n', lines.Skip(index)).Trim(), variables);
            requests.Add(new HttpFileRequest(title, new HttpMethod(requestLine[0]), requestLine[1].Trim(), headers, body));
        }

        return requests;
    }

    private static string Expand(string text, Dictionary<string, string> variables)
    {
        for (var i = 0; i < 5 && text.Contains("{{", StringComparison.Ordinal); i++)
        {
            text = Reference().Replace(text, m => variables.TryGetValue(m.Groups[1].Value, out var value) ? value : throw new InvalidOperationException($"undefined variable {m.Value}"));
        }

        return text;
    }

    private static string HttpFilePath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var path = Path.Combine(directory.FullName, "AspireP2P.Node", "AspireP2P.Node.http");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException("AspireP2P.Node/AspireP2P.Node.http was not found above the test output directory.");
    }

    [GeneratedRegex(@"\b(3030|4040|5050)\b")]
    private static partial Regex FilePort();

    [GeneratedRegex(@"^@(\w+)\s*=\s*(.*)$")]
    private static partial Regex Variable();

    [GeneratedRegex(@"\{\{(\w+)\}\}")]
    private static partial Regex Reference();

    private sealed record HttpFileRequest(string Title, HttpMethod Method, string Url, List<(string Name, string Value)> Headers, string Body);
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Processes;

/// <summary>A POST /record's answer: its status, the key a 201 names, and the body (a ProblemDetails with the reason otherwise).</summary>
public sealed record PostAnswer(HttpStatusCode Status, string? Key, string Body)
{
    public bool Created => Status == HttpStatusCode.Created;

    /// <summary>The status and the reason a ProblemDetails gives (its detail, else its title), else the body.</summary>
    public override string ToString()
    {
        try
        {
            var root = JsonDocument.Parse(Body).RootElement;
            var reason = root.TryGetProperty("detail", out var detail) ? detail.GetString() : root.TryGetProperty("title", out var title) ? title.GetString() : Body;
            return $"{(int)Status} {reason}";
        }
        catch (JsonException)
        {
            return $"{(int)Status} {Body}";
        }
    }
}

/// <summary>
/// What the regression tests read from a node process. Only what the node before the rewrite (e413e3c) also answers, so the
/// same test runs against both: the tutorial's API, GET /api/node's records, digest, peers and totals, /health, and
/// GET /api/records (key and value of each record, paged). Where the two answer in different shapes it says so.
/// </summary>
public static class NodeApiReads
{
    /// <summary>Posts a JSON string value; every request is bounded (a node that never answers fails the test, it does not hang it).</summary>
    public static async Task<PostAnswer> PostRecordAsync(this NodeProcess node, string value, TimeSpan? bound = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(bound ?? Timeouts.Request);
        using var response = await node.Http.PostAsJsonAsync("/record", new { record = value }, timeout.Token)
            .WaitAsync(bound ?? Timeouts.Request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(timeout.Token);
        string? key = null;
        if (response.StatusCode == HttpStatusCode.Created)
        {
            key = JsonDocument.Parse(body).RootElement.GetProperty("key").GetString();
        }

        return new PostAnswer(response.StatusCode, key, body);
    }

    /// <summary>POST /peer {targetUrl}: the tutorial's way to link two nodes.</summary>
    public static async Task<HttpStatusCode> AddPeerAsync(this NodeProcess node, NodeProcess target)
    {
        using var response = await node.Http.PostAsJsonAsync("/peer", new { targetUrl = target.Address }, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    /// <summary>The body of GET /health: Healthy, Degraded or Unhealthy.</summary>
    public static async Task<string> GetHealthAsync(this NodeProcess node)
    {
        using var response = await node.Http.GetAsync("/health", TestContext.Current.CancellationToken);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>A running total from GET /api/node (<c>received</c>: NEW_RECORD messages received, on both versions).</summary>
    public static async Task<long> GetTotalAsync(this NodeProcess node, string total) =>
        (await node.GetNodeInfoAsync()).GetProperty("totals").GetProperty(total).GetInt64();

    /// <summary>Every record the node shows, key → value (raw JSON), read from GET /api/records page by page.</summary>
    public static async Task<Dictionary<string, string>> GetRecordMapAsync(this NodeProcess node)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        long? before = null;
        do
        {
            var page = await node.Http.GetFromJsonAsync<JsonElement>($"/api/records?limit=500{(before is { } b ? $"&before={b}" : "")}", TestContext.Current.CancellationToken);
            foreach (var item in page.GetProperty("items").EnumerateArray())
            {
                map[item.GetProperty("key").GetString()!] = item.GetProperty("value").GetRawText();
            }

            before = page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.Number ? next.GetInt64() : null;
        }
        while (before is not null);
        return map;
    }

    /// <summary>The values of GET /records (the tutorial's list), as raw JSON.</summary>
    public static async Task<HashSet<string>> GetValuesAsync(this NodeProcess node) =>
        (await node.Http.GetFromJsonAsync<JsonElement[]>("/records", TestContext.Current.CancellationToken))!.Select(v => v.GetRawText()).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The peers this node keeps (or tries to keep) a link to, from GET /api/peers: the new node lists them as <c>peers</c>,
    /// the old one its dialed peers as <c>outbound</c>; both give each one's address, state and last error.
    /// </summary>
    public static async Task<IReadOnlyList<PeerRow>> GetPeerRowsAsync(this NodeProcess node)
    {
        var answer = await node.Http.GetFromJsonAsync<JsonElement>("/api/peers", TestContext.Current.CancellationToken);
        var rows = answer.TryGetProperty("peers", out var peers) ? peers : answer.GetProperty("outbound");
        return [.. rows.EnumerateArray().Select(r => new PeerRow(
            r.GetProperty("address").GetString()!,
            r.GetProperty("state").GetString()!,
            r.TryGetProperty("lastError", out var error) && error.ValueKind == JsonValueKind.String ? error.GetString() : null,
            r.GetProperty("attempts").GetInt32()))];
    }

    /// <summary>JSON text of a string value, as a node stores and shows it.</summary>
    public static string Json(string value) => JsonSerializer.Serialize(value);
}

/// <summary>One row of GET /api/peers.</summary>
public sealed record PeerRow(string Address, string State, string? LastError, int Attempts);

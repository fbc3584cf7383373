using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using AspireP2P.Node;
using AspireP2P.Node.Hosting;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AspireP2P.Tests.Network;

/// <summary>Neither the API key nor a wrong guess at it shows in the node's logs or traces, at any level.</summary>
public sealed class ApiKeySecrecyTests
{
    private const string Key = "0123456789abcdef-secret-test";
    private const string WrongGuess = "fedcba9876543210-wrong-guess";

    [Fact]
    public async Task TheKeyAndWrongGuessesNeverReachALogLineOrASpan()
    {
        var logs = new CapturingLoggerProvider();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        await using var app = NodeApp.Create(["--host", "127.0.0.1", "--port", "0", "--api-key", Key], builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(logs);
        });
        await app.StartAsync().WaitAsync(Timeouts.Start);
        using var http = new HttpClient { BaseAddress = app.Services.GetRequiredService<NodeIdentity>().Address.HttpUri };

        foreach (var (header, value) in new[] { ("X-Api-Key", Key), ("X-Api-Key", WrongGuess), ("Authorization", "Bearer " + Key), ("Authorization", "Bearer " + WrongGuess) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/record") { Content = JsonContent.Create(new { record = "r" }) };
            request.Headers.TryAddWithoutValidation(header, value);
            using var response = await http.SendAsync(request).WaitAsync(Timeouts.Request);
            Assert.Equal(value.EndsWith(Key, StringComparison.Ordinal) ? HttpStatusCode.Created : HttpStatusCode.Unauthorized, response.StatusCode);
        }

        await app.StopAsync().WaitAsync(Timeouts.Stop);

        Assert.Contains(logs.Lines, l => l.Contains("wrong API key", StringComparison.Ordinal));
        Assert.NotEmpty(spans);
        var traced = spans.SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}")
            .Concat(s.Events.Select(e => e.Name)).Concat(s.Baggage.Select(b => $"{b.Key}={b.Value}")).Append(s.DisplayName)).ToList();
        foreach (var secret in new[] { Key, WrongGuess })
        {
            Assert.DoesNotContain(logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(traced, t => t.Contains(secret, StringComparison.Ordinal));
        }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            Lines.Enqueue($"scope: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            Lines.Enqueue($"{formatter(state, exception)} {fields} {exception}");
        }

        public void Dispose()
        {
        }
    }
}

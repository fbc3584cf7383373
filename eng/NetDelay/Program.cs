using System.Globalization;
using AspireP2P.NetDelay;

// Usage: NetDelay <queue number> <delay ms> [jitter ms]
// Every packet the queue receives is released after delay ± jitter milliseconds (uniform), as tc netem's delay does.
if (args.Length is < 2 or > 3
    || !ushort.TryParse(args[0], CultureInfo.InvariantCulture, out var queue)
    || !double.TryParse(args[1], CultureInfo.InvariantCulture, out var delayMs) || delayMs < 0
    || !TryParseJitter(args, out var jitterMs))
{
    await Console.Error.WriteLineAsync("usage: NetDelay <queue number> <delay ms> [jitter ms]");
    return 2;
}

using var nfqueue = NfQueue.Bind(queue);
using var releaser = new DelayedRelease(nfqueue, TimeSpan.FromMilliseconds(delayMs), TimeSpan.FromMilliseconds(jitterMs));
using var stop = new CancellationTokenSource();
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
Console.WriteLine($"NetDelay: queue {queue}, {delayMs} ms ± {jitterMs} ms");
nfqueue.Receive(releaser.Hold, stop.Token);
return 0;

static bool TryParseJitter(string[] args, out double jitterMs)
{
    jitterMs = 0;
    return args.Length < 3 || (double.TryParse(args[2], CultureInfo.InvariantCulture, out jitterMs) && jitterMs >= 0);
}

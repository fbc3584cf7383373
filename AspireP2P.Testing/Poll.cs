namespace AspireP2P.Testing;

/// <summary>Awaits a condition by polling it until a deadline; the timeout's message says what was last seen.</summary>
internal static class Poll
{
    public static async Task<T> UntilAsync<T>(
        Func<CancellationToken, Task<T>> observe, Func<T, bool> done, Func<T, string> describe, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var delay = TimeSpan.FromMilliseconds(20);
        var last = "nothing yet";
        while (true)
        {
            try
            {
                var value = await observe(deadline.Token).WaitAsync(deadline.Token).ConfigureAwait(false);
                if (done(value))
                {
                    return value;
                }

                last = describe(value);
                await Task.Delay(delay, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}; last seen: {last}");
            }
            catch (Exception ex) when (!deadline.IsCancellationRequested && ex is HttpRequestException or TaskCanceledException)
            {
                // A node that is starting, restarting or partitioned may refuse or time out one read; the deadline decides.
                last = ex.Message;
            }

            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }
}

using AspireP2P.Node;

namespace AspireP2P.Samples.Chat;

/// <summary>
/// The messages that reached this node, from every node of the network, the most recent <see cref="Kept"/> of them:
/// one subscription (IP2PRecords) that starts at the beginning of the node's records. If it fails, the host stops (a
/// BackgroundService's default): a chat that no longer hears the network must not go on answering as if it did.
/// </summary>
public sealed class ChatRoom(IP2PRecords records) : BackgroundService
{
    public const int Kept = 100;

    private readonly Queue<ChatEntry> _recent = new();

    public ChatEntry[] Recent()
    {
        lock (_recent)
        {
            return [.. _recent];
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var record in records.SubscribeAsync(ChatJsonContext.Default.ChatMessage, P2PSubscribeFrom.Beginning, stoppingToken))
        {
            var entry = new ChatEntry(record.Key, record.Value.Author, record.Value.Text, record.Origin, record.IsLocal, record.Hops, record.TraceId);
            lock (_recent)
            {
                _recent.Enqueue(entry);
                if (_recent.Count > Kept)
                {
                    _recent.Dequeue();
                }
            }
        }
    }
}

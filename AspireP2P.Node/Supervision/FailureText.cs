using System.Net.Sockets;

namespace AspireP2P.Node.Supervision;

/// <summary>
/// What an answer may say about an exception. Exception messages name files ("Access to the path '/data/feed.state' is
/// denied"), so they go to the node's log only; answers (HTTP bodies, /health, /api/node) get the kind of failure.
/// </summary>
public static class FailureText
{
    private const int NoSpaceLeft = 28; // ENOSPC
    private const int DiskQuota = 122; // EDQUOT

    public static string Describe(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case UnauthorizedAccessException:
                    return "permission denied on the node's data";
                case IOException io when (io.HResult & 0xFFFF) is NoSpaceLeft or DiskQuota:
                    return "the disk is full";
                case Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 13 }:
                    return "the disk is full";
                case Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 3 or 8 or 23 }:
                    return "permission denied on the node's data";
                case Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 11 or 26 }:
                    return "the node's data is damaged";
                case InvalidDataException:
                    return "the node's data is damaged";
                case ObjectDisposedException:
                    return "the node is stopping";
                case SocketException:
                    return "a network error";
            }
        }

        return exception is IOException ? "an I/O error on the node's data" : $"an internal error ({exception.GetType().Name})";
    }
}

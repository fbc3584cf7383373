namespace AspireP2P.Tests.Infrastructure;

/// <summary>The checkout the tests were built from: the nearest directory above the test output that holds AspireP2P.sln.</summary>
public static class RepositoryRoot
{
    public static string? Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AspireP2P.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}

namespace AspireP2P.Tests.Seed;

/// <summary>
/// Where the seed tests find what Deno runs. Deno itself is a program of eng/test-tools.tsv (<c>npm:deno@…</c>, which
/// <c>./build.sh --test</c> installs into <c>.ci/tools</c>; <c>DENO_PATH</c> points a developer's run at another copy).
/// </summary>
internal static class Deno
{
    /// <summary>Where the tutorial's code, our shims and the import map are copied in the test output.</summary>
    public static string SeedDirectory => System.IO.Path.Combine(AppContext.BaseDirectory, "Seed");
}

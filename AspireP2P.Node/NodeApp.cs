using AspireP2P.Node.Apis;
using AspireP2P.Node.Hosting;

namespace AspireP2P.Node;

/// <summary>Builds a node's web application; Program.cs runs it and the tests start several in one process.</summary>
internal static class NodeApp
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json is copied next to the binary: read it from there whichever directory the node is started in.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddNodeCommandLine(args);

        builder.AddServiceDefaults();
        builder.AddStandaloneNode();
        builder.AddApiGuard();
        builder.Services.AddNodeOpenApi();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseApiGuard();
        app.UsePeerSocket();
        app.UseNodeUiRedirect();

        app.MapRootApi();
        app.MapPeersApi();
        app.MapRecordsApi();
        app.MapNodeUi();
        app.MapNodeApiReference();
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<NodeOptions>>().Value.DevFaults)
        {
            app.MapDevFaultsApi();
        }

        app.MapDefaultEndpoints();
        return app;
    }
}

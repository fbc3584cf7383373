using AspireP2P.Node.Apis;
using AspireP2P.Node.Hosting;

namespace AspireP2P.Node;

/// <summary>Builds a node's web application; Program.cs runs it and the tests start several in one process.</summary>
public static class NodeApp
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddNodeCommandLine(args);

        builder.AddServiceDefaults();
        builder.AddP2PNode();
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

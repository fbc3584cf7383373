using AspireP2P.Node;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Supervision;

var app = NodeApp.Create(args);
var failure = app.Services.GetRequiredService<NodeCore>().Failure;
await app.RunAsync();
// A part that could not recover stopped the node: say so to whoever started it (Aspire's dashboard, a service manager).
return failure.Report is null ? 0 : NodeFailure.ExitCode;

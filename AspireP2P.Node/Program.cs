using AspireP2P.Node;

var app = NodeApp.Create(args);
await app.RunAsync();

// The node is also a library (the AspireP2P.Node package): its entry point stays internal, so an app that references
// it keeps its own Program (ASP.NET Core would otherwise generate a public Program here for top-level statements).
internal partial class Program;

using System.Collections.Immutable;

namespace AspireP2P.Hosting;

/// <summary>
/// The Graph draws each node's relationships; these are kept equal to the links the node reports, so the Graph shows the
/// live mesh (a bidirectional link gets an arrow each way) and a dropped link disappears. Aspire rebuilds a resource's
/// relationships from its <see cref="ResourceRelationshipAnnotation"/>s on every orchestrator update, so the live links
/// are held as those annotations (the collection is thread-safe) and published at once.
/// </summary>
internal static class LiveTopology
{
    /// <summary>Relationship type of a link to a peer named in the node's <c>--peers</c> (the details pane shows it).</summary>
    public const string BootstrapLink = "Bootstrap";

    /// <summary>Relationship type of any other link: peer exchange, dial-backs, links opened through the API.</summary>
    public const string PeerLink = "Peer";

    /// <summary>The node's open links to other nodes of this AppHost, one per peer, by peer name.</summary>
    public static ImmutableArray<RelationshipSnapshot> LinksOf(NetworkNode node, NodeStatus? status, NetworkNodes nodes)
    {
        if (status is null)
        {
            return [];
        }

        return
        [
            .. status.Links
                .Select(link => (Peer: nodes.Find(link), link.Bootstrap))
                .Where(link => link.Peer is not null && link.Peer != node)
                .GroupBy(link => link.Peer!.Name, StringComparer.Ordinal)
                .OrderBy(peer => peer.Key, StringComparer.Ordinal)
                .Select(peer => new RelationshipSnapshot(peer.Key, peer.Any(link => link.Bootstrap) ? BootstrapLink : PeerLink)),
        ];
    }

    /// <summary>
    /// Drops the relationships the model declared between nodes (the <c>--peers</c> chain and the self-reference of
    /// <c>--public-address</c>), so the Graph shows the live mesh alone.
    /// </summary>
    public static void ForgetDeclaredLinks(NetworkNodes nodes)
    {
        foreach (var node in nodes.All)
        {
            foreach (var declared in node.Resource.Annotations.OfType<ResourceRelationshipAnnotation>()
                         .Where(r => nodes.Contains(r.Resource)).ToList())
            {
                node.Resource.Annotations.Remove(declared);
            }
        }
    }

    /// <summary>Makes the node's relationships the given links and publishes them to the dashboard.</summary>
    public static Task ShowAsync(NetworkNode node, ImmutableArray<RelationshipSnapshot> links, NetworkNodes nodes, ResourceNotificationService notifications)
    {
        var annotations = node.Resource.Annotations;
        foreach (var old in annotations.OfType<ResourceRelationshipAnnotation>().Where(r => nodes.Contains(r.Resource)).ToList())
        {
            annotations.Remove(old);
        }

        foreach (var link in links)
        {
            annotations.Add(new ResourceRelationshipAnnotation(nodes.All.First(n => n.Name == link.ResourceName).Resource, link.Type));
        }

        var relationships = annotations.OfType<ResourceRelationshipAnnotation>().Select(r => new RelationshipSnapshot(r.Resource.Name, r.Type)).ToImmutableArray();
        return notifications.PublishUpdateAsync(node.Resource, snapshot => snapshot with { Relationships = relationships });
    }
}

using System.Diagnostics;
using OpenTelemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The Aspire dashboard (13.6) titles a messaging span <c>MSG {messaging.system} {messaging.operation} {messaging.destination.name}</c>,
/// reading <c>messaging.operation</c>, the attribute the messaging conventions replaced with <c>messaging.operation.name</c>
/// and <c>messaging.operation.type</c>. Without it, publish, send and receive spans all read <c>MSG aspirep2p records</c>.
/// This copies the operation name into the old attribute on exported spans only, so the trace tree reads
/// <c>MSG aspirep2p publish records → send records → receive records</c> with the node in the resource column.
/// </summary>
internal sealed class MessagingDisplayProcessor : BaseProcessor<Activity>
{
    private const string System = "messaging.system";
    private const string Operation = "messaging.operation";
    private const string OperationName = "messaging.operation.name";

    public override void OnEnd(Activity data)
    {
        if (!data.Recorded || data.GetTagItem(System) is null || data.GetTagItem(Operation) is not null)
        {
            return;
        }

        // The conventions name a messaging span "{messaging.operation.name} {destination}".
        var name = data.GetTagItem(OperationName) as string ?? data.DisplayName.Split(' ', 2)[0];
        data.SetTag(Operation, name);
    }
}

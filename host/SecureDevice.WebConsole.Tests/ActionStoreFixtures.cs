using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// A complete action row with what it changed, as the tests' fixtures need one: the dispatcher's two writes (the intent,
/// then its completion) without a mechanism between them.
/// </summary>
public static class ActionStoreFixtures
{
    public static async Task<long> RecordActionAsync(this IActionStore store, ActionRecord action, string? serviceState, string? cutReason, LadderChange? ladder,
        CancellationToken cancellationToken)
    {
        long id = await store.BeginActionAsync(action with { Outcome = ActionRecord.Pending, Detail = null }, cancellationToken);
        await store.CompleteActionAsync(new ActionCompletion(id, action.Outcome, action.Detail, action.AtMs, serviceState, cutReason, ladder), cancellationToken);
        return id;
    }
}

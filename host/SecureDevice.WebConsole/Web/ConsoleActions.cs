using System;
using System.Data.Common;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SecureDevice.Fleet.Text;
using SecureDevice.Service.Extensions;

namespace SecureDevice.WebConsole.Web;

/// <summary>
/// An action from the device page or the API through the service's dispatcher, with the two failures of its record
/// answered instead of escaping as a 500 (docs/console.md, "Actions"): the intent not recorded
/// (<see cref="ActionNotStartedException"/>: nothing was done) and the completion not recorded (a database error after
/// the mechanism ran: the row stays pending until the service's reconciler completes it). Either is a 503 with one
/// fixed line; the database's own text, which can name tables, hosts or constraints, goes to the log only, escaped.
/// </summary>
public static class ConsoleActions
{
    public const string NotRecorded = "the action was not recorded, nothing was done; try again";

    public const string RecordPending = "the action ran but its record is pending until the service reconciles it (a minute or two; a throttle once the device reports again)";

    /// <summary>The outcome, or (null, the line to answer with 503) when the action's record failed; anything else propagates.</summary>
    public static async Task<(ActionOutcome? Outcome, string? Unavailable)> ExecuteAsync(IDeviceActions actions, DeviceActionRequest request, ILogger log, CancellationToken cancellationToken)
    {
        try
        {
            return (await actions.ExecuteAsync(request, cancellationToken).ConfigureAwait(false), null);
        }
        catch (ActionNotStartedException error)
        {
            Log(log, request, "its intent was not recorded, nothing was done", error.InnerException ?? error);
            return (null, NotRecorded);
        }
        catch (Exception error) when (error is DbException or SocketException or TimeoutException)
        {
            // As the command line's operator response treats it (OperatorResponse): the mechanism ran, its completion's
            // transaction failed, the row stays pending and the reconciler (60 s after the intent, a pass every 60 s)
            // completes it from the mechanisms' state.
            Log(log, request, "the mechanism ran but its completion was not recorded, the action stays pending", error);
            return (null, RecordPending);
        }
    }

    private static void Log(ILogger log, DeviceActionRequest request, string what, Exception error) =>
        log.LogError("console: {Kind} on {Device} by {Actor}: {What}: {Type}: {Error}", ResponseDispatcher.KindName(request.Kind), Printable.Escape(request.DeviceId),
            Printable.Escape(request.Actor), what, error.GetType().Name, Printable.Escape(error.Message));
}

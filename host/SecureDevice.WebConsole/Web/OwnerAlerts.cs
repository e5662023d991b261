using Microsoft.Extensions.Logging;
using SecureDevice.Fleet.Response.Alerts;

namespace SecureDevice.WebConsole.Web;

/// <summary>
/// The console's alerts to people (a halted rollout, a failure burst) go out through the service's own alert dispatcher
/// (<see cref="ConsoleOptions.Alerts"/>: webhook signed with HMAC-SHA256 and e-mail over SMTP, the owners' contacts file,
/// de-duplication, per-customer rate limits, retries and dead letters), the one path device alerts take
/// (docs/response.md). A customer's alert goes to that customer's contacts; a staff alert (no customer) to the contacts
/// of <see cref="ConsoleOptions.StaffAlertContact"/>, or nowhere but the feed and the audit when it is not set.
/// </summary>
public static class OwnerAlerts
{
    /// <summary>Queues <paramref name="alert"/> for <paramref name="customer"/> (null: staff); null when there is no dispatcher or no staff contact. Never waits for a network.</summary>
    public static NotifyStatus? Send(ConsoleOptions options, ILogger log, string? customer, AlertEvent alert)
    {
        string? to = customer ?? options.StaffAlertContact;
        if (options.Alerts == null || to == null)
        {
            return null;
        }

        NotifyStatus status = options.Alerts.Notify(alert with { CustomerId = to });
        if (status is not (NotifyStatus.Queued or NotifyStatus.Duplicate or NotifyStatus.Summarized))
        {
            log.LogWarning("console: the {Kind} alert for {Customer} was not queued: {Status}", alert.Kind, to, status);
        }

        return status;
    }
}

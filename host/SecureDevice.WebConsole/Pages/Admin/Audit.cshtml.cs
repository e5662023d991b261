using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Queries;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Pages.Admin;

/// <summary>
/// Admins see the action audit of the devices in their scope (a customer's admin: that customer's devices only),
/// filtered by device, action, outcome and time range, paged by keyset (<see cref="FeedQueries.ActionsAsync"/>).
/// </summary>
public sealed class AuditModel : PageModel
{
    private readonly ConsoleBackend _backend;

    public AuditModel(ConsoleBackend backend) => _backend = backend;

    public ListFilter Filter { get; private set; } = new(null, null, null, null, null, null, ListFilter.DefaultPageSize);

    public ListPage<ActionRecord> Actions { get; private set; } = new(Array.Empty<ActionRecord>(), null);

    public Dictionary<string, string>? Next { get; private set; }

    public string? Error { get; private set; }

    /// <summary>Console security events (sign-ins, accounts, roles, tokens, rollouts) of the admin's tenant, or all for staff; keyset-paged.</summary>
    public ListPage<Accounts.AuditRecord> Security { get; private set; } = new(Array.Empty<Accounts.AuditRecord>(), null);

    public Dictionary<string, string>? NextSecurity { get; private set; }

    private static Dictionary<string, string> With(Dictionary<string, string> route, string name, long? value)
    {
        if (value is long v)
        {
            route[name] = v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return route;
    }

    public async Task<IActionResult> OnGetAsync(string? device, string? kind, string? level, string? from, string? to, string? before, string? sbefore, string? size)
    {
        ConsoleUser? admin = ConsoleUser.From(User);
        if (admin is not { IsAdmin: true })
        {
            return Forbid();
        }

        if (!ListFilter.TryParse(device, kind, level, from, to, before, size, out ListFilter filter, out string error)
            || !ListFilter.TryParse(null, null, null, null, null, sbefore, null, out ListFilter securityCursor, out error))
        {
            Error = error;
            Response.StatusCode = 400;
            return Page();
        }

        Filter = filter;
        var queries = new FeedQueries(_backend.Accounts.Dialect);
        Actions = await queries.ActionsAsync(admin.CustomerId, filter, HttpContext.RequestAborted);
        // The security events share the time range and page size; their own cursor is sbefore (each list pages alone).
        Security = await queries.SecurityEventsAsync(admin.CustomerId, filter with { BeforeId = securityCursor.BeforeId }, HttpContext.RequestAborted);
        Next = Actions.NextBefore is long next ? With(filter.Route(next), "sbefore", securityCursor.BeforeId) : null;
        NextSecurity = Security.NextBefore is long ns ? With(filter.Route(filter.BeforeId), "sbefore", ns) : null;
        return Page();
    }
}

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
    private const int SecurityLimit = 500;

    private readonly ConsoleBackend _backend;

    public AuditModel(ConsoleBackend backend) => _backend = backend;

    public ListFilter Filter { get; private set; } = new(null, null, null, null, null, null, ListFilter.DefaultPageSize);

    public ListPage<ActionRecord> Actions { get; private set; } = new(Array.Empty<ActionRecord>(), null);

    public Dictionary<string, string>? Next { get; private set; }

    public string? Error { get; private set; }

    /// <summary>Console security events (sign-ins, accounts, roles, tokens) of the admin's tenant, or all for staff.</summary>
    public IReadOnlyList<Accounts.AuditRecord> Security { get; private set; } = Array.Empty<Accounts.AuditRecord>();

    public async Task<IActionResult> OnGetAsync(string? device, string? kind, string? level, string? from, string? to, string? before, string? size)
    {
        ConsoleUser? admin = ConsoleUser.From(User);
        if (admin is not { IsAdmin: true })
        {
            return Forbid();
        }

        if (!ListFilter.TryParse(device, kind, level, from, to, before, size, out ListFilter filter, out string error))
        {
            Error = error;
            Response.StatusCode = 400;
            return Page();
        }

        Filter = filter;
        Actions = await new FeedQueries(_backend.Accounts.Dialect).ActionsAsync(admin.CustomerId, filter, HttpContext.RequestAborted);
        Next = Actions.NextBefore is long next ? filter.Route(next) : null;
        Security = await _backend.Accounts.ListAuditAsync(admin.CustomerId, SecurityLimit, HttpContext.RequestAborted);
        return Page();
    }
}

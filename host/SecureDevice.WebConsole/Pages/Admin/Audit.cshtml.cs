using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Pages.Admin;

/// <summary>Admins see the action audit of the devices in their scope (a customer's admin: that customer's devices only).</summary>
public sealed class AuditModel : PageModel
{
    private const int Limit = 500;

    private readonly ConsoleBackend _backend;

    public AuditModel(ConsoleBackend backend) => _backend = backend;

    public IReadOnlyList<ActionRecord> Actions { get; private set; } = Array.Empty<ActionRecord>();

    /// <summary>Console security events (sign-ins, accounts, roles, tokens) of the admin's tenant, or all for staff.</summary>
    public IReadOnlyList<Accounts.AuditRecord> Security { get; private set; } = Array.Empty<Accounts.AuditRecord>();

    public async Task<IActionResult> OnGetAsync()
    {
        ConsoleUser? admin = ConsoleUser.From(User);
        if (admin is not { IsAdmin: true })
        {
            return Forbid();
        }

        HashSet<string> visible = (await _backend.Fleet.ListDevicesAsync(HttpContext.RequestAborted)).Where(admin.CanSee).Select(d => d.DeviceId).ToHashSet(StringComparer.Ordinal);
        Actions = (await _backend.Fleet.ListActionsAsync(null, admin.CustomerId == null ? Limit : 10 * Limit, HttpContext.RequestAborted))
            .Where(a => visible.Contains(a.DeviceId)).Take(Limit).ToList();
        Security = await _backend.Accounts.ListAuditAsync(admin.CustomerId, Limit, HttpContext.RequestAborted);
        return Page();
    }
}

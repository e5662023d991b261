using System;
using System.Collections.Generic;
using System.ComponentModel.DataAnnotations;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Pages.Admin;

/// <summary>Admins (the /Admin folder's policy) list the accounts of their scope and change roles; a change ends that account's sessions.</summary>
public sealed class UsersModel : PageModel
{
    private readonly AccountService _accounts;

    public UsersModel(AccountService accounts) => _accounts = accounts;

    public IReadOnlyList<UserRecord> Users { get; private set; } = Array.Empty<UserRecord>();

    public string? Message { get; private set; }

    [BindProperty, Range(1, long.MaxValue)]
    public long UserId { get; set; }

    [BindProperty, Required, RegularExpression("^(viewer|operator|admin)$")]
    public string Role { get; set; } = string.Empty;

    public async Task<IActionResult> OnGetAsync()
    {
        ConsoleUser? admin = ConsoleUser.From(User);
        if (admin is not { IsAdmin: true })
        {
            return Forbid();
        }

        Users = await _accounts.Store.ListAsync(admin.CustomerId, HttpContext.RequestAborted);
        return Page();
    }

    public async Task<IActionResult> OnPostRoleAsync()
    {
        ConsoleUser? admin = ConsoleUser.From(User);
        if (admin is not { IsAdmin: true })
        {
            return Forbid();
        }

        UserRecord? target = UserId > 0 ? await _accounts.Store.FindByIdAsync(UserId, HttpContext.RequestAborted) : null;
        if (target == null || !admin.CanSee(target))
        {
            return NotFound();
        }

        if (!ModelState.IsValid || !ConsoleRoles.TryParse(Role, out ConsoleRole role))
        {
            return BadRequest();
        }

        await _accounts.SetRoleAsync(target.Id, role, HttpContext.RequestAborted, "console:" + admin.Name, HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        Message = target.UserName + " is now " + ConsoleRoles.Name(role) + "; their sessions have ended.";
        Users = await _accounts.Store.ListAsync(admin.CustomerId, HttpContext.RequestAborted);
        return Page();
    }
}

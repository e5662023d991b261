using System.ComponentModel.DataAnnotations;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Pages.Account;

/// <summary>Password change: the current password, the strength rule, then every session of the account ends.</summary>
public sealed class PasswordModel : PageModel
{
    private readonly AccountService _accounts;

    public PasswordModel(AccountService accounts) => _accounts = accounts;

    [BindProperty, StringLength(128)]
    public string Current { get; set; } = string.Empty;

    [BindProperty, StringLength(128)]
    public string Password { get; set; } = string.Empty;

    [BindProperty, StringLength(128)]
    public string Confirm { get; set; } = string.Empty;

    public string? Message { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        ConsoleUser? user = ConsoleUser.From(User);
        if (user == null)
        {
            return Forbid();
        }

        ChangePasswordStatus status = ModelState.IsValid
            ? await _accounts.ChangePasswordAsync(user.Id, Current, Password, Confirm, HttpContext.RequestAborted)
            : ChangePasswordStatus.WrongPassword;
        if (status == ChangePasswordStatus.Changed)
        {
            Response.Cookies.Delete(SessionAuthenticationHandler.CookieName, SessionAuthenticationHandler.CookieOptions());
            return LocalRedirect("/login");
        }

        Message = status switch
        {
            ChangePasswordStatus.WrongPassword => "The current password is wrong.",
            ChangePasswordStatus.PasswordsDiffer => "The two new passwords differ.",
            _ => PasswordPolicy.Explain(PasswordPolicy.Check(Password, user.Name)),
        };
        Response.StatusCode = 400;
        return Page();
    }
}

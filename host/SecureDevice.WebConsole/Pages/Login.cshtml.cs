using System.ComponentModel.DataAnnotations;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Pages;

/// <summary>Sign-in: name, password and (operators, admins) a TOTP code; a new session id on success (against fixation).</summary>
public sealed class LoginModel : PageModel
{
    /// <summary>One message for every failure, so a response never tells which part was wrong or whether the name exists.</summary>
    public const string FailureMessage = "Sign-in failed: wrong user name, password or code, or the account is locked for a while.";

    private readonly AccountService _accounts;
    private readonly FailureBurstGuard _bursts;

    public LoginModel(AccountService accounts, FailureBurstGuard bursts)
    {
        _accounts = accounts;
        _bursts = bursts;
    }

    [BindProperty, StringLength(64)]
    public string UserName { get; set; } = string.Empty;

    [BindProperty, StringLength(128)]
    public string Password { get; set; } = string.Empty;

    [BindProperty, StringLength(6)]
    public string? Code { get; set; }

    public string? Message { get; private set; }

    public bool SetupDone { get; private set; }

    public void OnGet(string? setup) => SetupDone = setup == "done";

    public async Task<IActionResult> OnPostAsync()
    {
        // Whatever happens, a session id the browser brought along is never reused: it is ended and the cookie dropped.
        if (Request.Cookies.TryGetValue(SessionAuthenticationHandler.CookieName, out string? previous) && previous.Length <= 100)
        {
            await _accounts.Store.DeleteSessionAsync(AccountService.Sha256(previous), HttpContext.RequestAborted);
            Response.Cookies.Delete(SessionAuthenticationHandler.CookieName, SessionAuthenticationHandler.CookieOptions());
        }

        string name = UserName.Trim().ToLowerInvariant();
        LoginResult result = ModelState.IsValid
            ? await _accounts.LoginAsync(name, Password, Code?.Trim(), HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown", HttpContext.RequestAborted)
            : new LoginResult(LoginStatus.Failed, null, null);
        if (result.Status != LoginStatus.Succeeded)
        {
            await _bursts.RecordAsync(FailureKind.SignIn, HttpContext, name);
            Message = FailureMessage;
            Password = string.Empty;
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        Response.Cookies.Append(SessionAuthenticationHandler.CookieName, result.SessionToken!, SessionAuthenticationHandler.CookieOptions());
        return LocalRedirect("/");
    }
}

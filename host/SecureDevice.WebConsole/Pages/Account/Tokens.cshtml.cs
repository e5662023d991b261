using System;
using System.Collections.Generic;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SecureDevice.WebConsole.Api;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Pages.Account;

/// <summary>
/// The signed-in user's API tokens: create one (name, scope, 1..90 days; shown once, stored as its SHA-256) and revoke
/// any of them. Everyone manages only their own tokens; a token never outranks its owner.
/// </summary>
public sealed class TokensModel : PageModel
{
    private readonly ApiTokenStore _tokens;
    private readonly ConsoleOptions _options;
    private readonly Accounts.AccountStore _accounts;

    public TokensModel(ApiTokenStore tokens, ConsoleOptions options, Accounts.AccountStore accounts)
    {
        _tokens = tokens;
        _options = options;
        _accounts = accounts;
    }

    [BindProperty, StringLength(64, MinimumLength = 1), RegularExpression("^[A-Za-z0-9 ._-]{1,64}$")]
    public string Name { get; set; } = string.Empty;

    [BindProperty, RegularExpression("^(read|operate)$")]
    public string Scope { get; set; } = "read";

    [BindProperty, Range(1, 3650)]
    public int Days { get; set; } = 30;

    [BindProperty, Range(1, long.MaxValue)]
    public long TokenId { get; set; }

    /// <summary>The new token, shown once in the answer to its creation.</summary>
    public string? Created { get; private set; }

    public string? Message { get; private set; }

    public IReadOnlyList<ApiTokenRecord> Tokens { get; private set; } = Array.Empty<ApiTokenRecord>();

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : Forbid();

    public async Task<IActionResult> OnPostCreateAsync()
    {
        ConsoleUser? user = ConsoleUser.From(User);
        if (user == null)
        {
            return Forbid();
        }

        ModelState.Remove(nameof(TokenId));
        if (!ModelState.IsValid || Days > _options.ApiTokenMaxDays || !ApiTokenStore.TryParseScope(Scope, out ApiScope scope) || (scope == ApiScope.Operate && !user.IsOperator))
        {
            Message = "Give a name (letters, digits, space . _ -), scope read (or operate for operators) and 1.." + _options.ApiTokenMaxDays + " days.";
            Response.StatusCode = 400;
            await LoadAsync();
            return Page();
        }

        string token = ApiTokenFormat.Create(RandomNumberGenerator.Create());
        long now = _options.Time.GetUtcNow().ToUnixTimeMilliseconds();
        await _tokens.AddAsync(ApiTokenFormat.Hash(token), user.Id, Name, scope, now, now + (Days * 86_400_000L), HttpContext.RequestAborted);
        Created = token;
        await AuditAsync(user, "token.create", Name + " (" + ApiTokenStore.ScopeName(scope) + ", " + Days + " days)", now);
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync()
    {
        ConsoleUser? user = ConsoleUser.From(User);
        if (user == null)
        {
            return Forbid();
        }

        // Someone else's or an unknown token: the same 404, ids don't leak.
        if (TokenId <= 0 || !await _tokens.RevokeAsync(TokenId, user.Id, _options.Time.GetUtcNow().ToUnixTimeMilliseconds(), HttpContext.RequestAborted))
        {
            return NotFound();
        }

        Message = "Token revoked.";
        await AuditAsync(user, "token.revoke", "token #" + TokenId, _options.Time.GetUtcNow().ToUnixTimeMilliseconds());
        await LoadAsync();
        return Page();
    }

    public string When(long? ms) => ms is long value ? DateTimeOffset.FromUnixTimeMilliseconds(value).ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture) : "never";

    private Task AuditAsync(ConsoleUser user, string action, string subject, long nowMs) => _accounts.AppendAuditAsync(
        "console:" + user.Name, action, subject, user.CustomerId, HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown", nowMs, HttpContext.RequestAborted);

    private async Task<bool> LoadAsync()
    {
        ConsoleUser? user = ConsoleUser.From(User);
        if (user == null)
        {
            return false;
        }

        Tokens = await _tokens.ListAsync(user.Id, HttpContext.RequestAborted);
        return true;
    }
}

using System;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Identity;

namespace SecureDevice.WebConsole.Accounts;

public enum CreateStatus
{
    Created,
    InvalidName,
    NameTaken,
}

public enum LoginStatus
{
    Succeeded,

    /// <summary>Unknown name, wrong password or code, setup not finished: one answer, so names do not leak.</summary>
    Failed,

    /// <summary>Too many failures: refused until the lock ends, even with the right password.</summary>
    Locked,
}

public enum SetupStatus
{
    Done,
    InvalidLink,
    WeakPassword,
    PasswordsDiffer,
    WrongCode,
}

public enum ChangePasswordStatus
{
    Changed,
    WrongPassword,
    WeakPassword,
    PasswordsDiffer,
}

/// <summary>A new account's one-time setup token (shown once, stored only as its SHA-256).</summary>
public sealed record CreatedAccount(CreateStatus Status, string? SetupToken);

/// <summary>A sign-in's result: on success, the new session's cookie value (random, never stored).</summary>
public sealed record LoginResult(LoginStatus Status, string? SessionToken, UserRecord? User);

/// <summary>
/// Accounts and sessions (docs/console.md, "Authentication", "Sessions"): PBKDF2 hashes from ASP.NET Core Identity's
/// <see cref="PasswordHasher{TUser}"/>, the strength rule, TOTP for operators and admins, lockout, one-time setup
/// links, session tokens stored as hashes with idle and absolute limits, every session ended on logout, password and role change.
/// </summary>
public sealed class AccountService
{
    /// <summary>Verified against when the name is unknown, so an unknown name costs the same time as a wrong password.</summary>
    private static readonly string DummyHash = new PasswordHasher<UserRecord>().HashPassword(null!, "not-a-password-" + Guid.NewGuid());

    private readonly AccountStore _store;
    private readonly ConsoleOptions _options;
    private readonly PasswordHasher<UserRecord> _hasher = new();

    public AccountService(AccountStore store, ConsoleOptions options)
    {
        _store = store;
        _options = options;
    }

    public AccountStore Store => _store;

    private DateTimeOffset Now => _options.Time.GetUtcNow();

    private long NowMs => Now.ToUnixTimeMilliseconds();

    /// <summary>1-64 of [a-z0-9._@-], starting with a letter or digit.</summary>
    public static bool IsValidUserName(string name)
    {
        if (name.Length is 0 or > 64 || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-' or '@'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Adds an account without a password: its owner sets one (and enrols TOTP) through the returned one-time token.</summary>
    public async Task<CreatedAccount> CreateAsync(string userName, ConsoleRole role, string? customerId, CancellationToken cancellationToken, string actor = "cli", string address = "local")
    {
        if (!IsValidUserName(userName) || (customerId != null && (customerId.Length is 0 or > 128)))
        {
            return new CreatedAccount(CreateStatus.InvalidName, null);
        }

        string token = NewToken();
        bool created = await _store.CreateAsync(userName, role, customerId, Totp.NewSecret(), Sha256(token), NowMs + (long)_options.SetupLinkLifetime.TotalMilliseconds, NowMs, cancellationToken).ConfigureAwait(false);
        if (created)
        {
            await _store.AppendAuditAsync(actor, "account.create", userName + " as " + ConsoleRoles.Name(role), customerId, address, NowMs, cancellationToken).ConfigureAwait(false);
        }

        return created ? new CreatedAccount(CreateStatus.Created, token) : new CreatedAccount(CreateStatus.NameTaken, null);
    }

    /// <summary>The account a setup token belongs to, while the link is valid.</summary>
    public async Task<UserRecord?> FindSetupAsync(string? token, CancellationToken cancellationToken)
    {
        if (token == null || token.Length is < 20 or > 100)
        {
            return null;
        }

        UserRecord? user = await _store.FindBySetupTokenAsync(Sha256(token), cancellationToken).ConfigureAwait(false);
        return user != null && user.SetupExpiresMs > NowMs ? user : null;
    }

    /// <summary>Uses a setup link: sets the password and proves the TOTP enrolment with a current code; the link is then spent.</summary>
    public async Task<SetupStatus> CompleteSetupAsync(string? token, string password, string confirm, string? code, CancellationToken cancellationToken)
    {
        UserRecord? user = await FindSetupAsync(token, cancellationToken).ConfigureAwait(false);
        if (user == null || user.TotpSecret == null)
        {
            return SetupStatus.InvalidLink;
        }

        if (password != confirm)
        {
            return SetupStatus.PasswordsDiffer;
        }

        if (PasswordPolicy.Check(password, user.UserName) != PasswordVerdict.Accepted)
        {
            return SetupStatus.WeakPassword;
        }

        if (!Totp.TryVerify(user.TotpSecret, code, Now, user.TotpLastStep, out long step))
        {
            return SetupStatus.WrongCode;
        }

        await _store.SetPasswordAsync(user.Id, _hasher.HashPassword(user, password), step, NowMs, cancellationToken).ConfigureAwait(false);
        await _store.DeleteSessionsOfAsync(user.Id, cancellationToken).ConfigureAwait(false);
        return SetupStatus.Done;
    }

    /// <summary>Checks name, password and (for operators and admins, or anyone enrolled) the TOTP code; opens a new session.</summary>
    public async Task<LoginResult> LoginAsync(string userName, string password, string? code, string address, CancellationToken cancellationToken)
    {
        UserRecord? user = IsValidUserName(userName) ? await _store.FindByNameAsync(userName, cancellationToken).ConfigureAwait(false) : null;
        if (user == null || user.PasswordHash == null || user.Role == 0)
        {
            _hasher.VerifyHashedPassword(null!, DummyHash, password);
            await AuditSignInAsync(IsValidUserName(userName) ? userName : "(invalid name)", "sign-in.failed", null, address, cancellationToken).ConfigureAwait(false);
            return new LoginResult(LoginStatus.Failed, null, null);
        }

        if (user.LockedUntilMs > NowMs)
        {
            await AuditSignInAsync(userName, "sign-in.locked", user.CustomerId, address, cancellationToken).ConfigureAwait(false);
            return new LoginResult(LoginStatus.Locked, null, null);
        }

        PasswordVerificationResult verified = _hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        long step = user.TotpLastStep;
        // A secret that does not open under this instance's key fails closed, whatever the role (never "not enrolled").
        bool secondFactorOk = !user.TotpUnreadable && (!(ConsoleRoles.RequiresTotp(user.Role) || user.TotpSecret != null)
            || (user.TotpSecret != null && Totp.TryVerify(user.TotpSecret, code, Now, user.TotpLastStep, out step)));
        if (verified == PasswordVerificationResult.Failed || !secondFactorOk)
        {
            // Counted in the database (the guard that holds across console instances; the rate limiter is per process).
            bool lockNow = await _store.RecordFailureAsync(user.Id, _options.LockoutThreshold, NowMs + (long)_options.LockoutDuration.TotalMilliseconds, NowMs, cancellationToken).ConfigureAwait(false);
            string action = lockNow ? "sign-in.failed.locked-now"
                : user.TotpUnreadable && verified != PasswordVerificationResult.Failed ? "sign-in.failed.totp-unreadable" // for admins: the key file is wrong or missing
                : "sign-in.failed";
            await AuditSignInAsync(userName, action, user.CustomerId, address, cancellationToken).ConfigureAwait(false);
            return new LoginResult(lockNow ? LoginStatus.Locked : LoginStatus.Failed, null, null);
        }

        string hash = verified == PasswordVerificationResult.SuccessRehashNeeded ? _hasher.HashPassword(user, password) : user.PasswordHash;
        await _store.RecordSuccessAsync(user.Id, step, hash, NowMs, cancellationToken).ConfigureAwait(false);
        string token = NewToken();
        await _store.AddSessionAsync(Sha256(token), user.Id, NowMs, NowMs + (long)_options.AbsoluteTimeout.TotalMilliseconds, address, cancellationToken).ConfigureAwait(false);
        await AuditSignInAsync(userName, "sign-in", user.CustomerId, address, cancellationToken).ConfigureAwait(false);
        return new LoginResult(LoginStatus.Succeeded, token, user);
    }

    private Task AuditSignInAsync(string userName, string action, string? customerId, string address, CancellationToken cancellationToken) =>
        _store.AppendAuditAsync(userName, action, userName, customerId, address, NowMs, cancellationToken);

    /// <summary>The session a cookie names, if it is alive (touching it); an idle or expired one is deleted.</summary>
    public async Task<SessionRecord?> ResumeAsync(string? token, CancellationToken cancellationToken)
    {
        if (token == null || token.Length is < 20 or > 100)
        {
            return null;
        }

        string key = Sha256(token);
        SessionRecord? session = await _store.FindSessionAsync(key, cancellationToken).ConfigureAwait(false);
        if (session == null)
        {
            return null;
        }

        long now = NowMs;
        if (now >= session.ExpiresMs || now - session.LastSeenMs >= (long)_options.IdleTimeout.TotalMilliseconds || session.User.Role == 0 || session.User.PasswordHash == null)
        {
            await _store.DeleteSessionAsync(key, cancellationToken).ConfigureAwait(false);
            return null;
        }

        await _store.TouchSessionAsync(key, now, cancellationToken).ConfigureAwait(false);
        return session;
    }

    /// <summary>Logout: every session of the account ends (a copied cookie dies with the one logged out).</summary>
    public Task LogoutAsync(long userId, CancellationToken cancellationToken) => _store.DeleteSessionsOfAsync(userId, cancellationToken);

    /// <summary>Changes the password after checking the current one; every session of the account ends.</summary>
    public async Task<ChangePasswordStatus> ChangePasswordAsync(long userId, string current, string password, string confirm, CancellationToken cancellationToken)
    {
        UserRecord? user = await _store.FindByIdAsync(userId, cancellationToken).ConfigureAwait(false);
        if (user?.PasswordHash == null || _hasher.VerifyHashedPassword(user, user.PasswordHash, current) == PasswordVerificationResult.Failed)
        {
            return ChangePasswordStatus.WrongPassword;
        }

        if (password != confirm)
        {
            return ChangePasswordStatus.PasswordsDiffer;
        }

        if (PasswordPolicy.Check(password, user.UserName) != PasswordVerdict.Accepted)
        {
            return ChangePasswordStatus.WeakPassword;
        }

        await _store.SetPasswordAsync(user.Id, _hasher.HashPassword(user, password), user.TotpLastStep, NowMs, cancellationToken).ConfigureAwait(false);
        await _store.DeleteSessionsOfAsync(user.Id, cancellationToken).ConfigureAwait(false);
        return ChangePasswordStatus.Changed;
    }

    /// <summary>Changes an account's role; every session of that account ends, so the new rights apply at its next sign-in.</summary>
    public async Task SetRoleAsync(long userId, ConsoleRole role, CancellationToken cancellationToken, string actor = "cli", string address = "local")
    {
        await _store.SetRoleAsync(userId, role, NowMs, cancellationToken).ConfigureAwait(false);
        await _store.DeleteSessionsOfAsync(userId, cancellationToken).ConfigureAwait(false);
        UserRecord? target = await _store.FindByIdAsync(userId, cancellationToken).ConfigureAwait(false);
        await _store.AppendAuditAsync(actor, "role.change", (target?.UserName ?? "#" + userId) + " to " + ConsoleRoles.Name(role), target?.CustomerId, address, NowMs, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>256 random bits, base64url.</summary>
    internal static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static string Sha256(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}

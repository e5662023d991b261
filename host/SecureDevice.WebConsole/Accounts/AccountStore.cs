using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;

namespace SecureDevice.WebConsole.Accounts;

/// <summary>
/// A console account as stored. CustomerId null: the fleet operator's staff (every tenant). TotpSecret is the opened
/// (clear) secret, in memory only; TotpUnreadable: a stored secret that does not open under this instance's key (clear
/// from an older version, another key, altered), on which every sign-in fails closed.
/// </summary>
public sealed record UserRecord(
    long Id, string UserName, ConsoleRole Role, string? CustomerId, string? PasswordHash, string? TotpSecret, long TotpLastStep, long FailedLogins,
    long? LockedUntilMs, long? SetupExpiresMs, bool TotpUnreadable = false);

/// <summary>One console security event.</summary>
public sealed record AuditRecord(long AtMs, string Actor, string Action, string Subject, string Address, long Id = 0);

/// <summary>A server-side session joined with its user.</summary>
public sealed record SessionRecord(string TokenSha256, long CreatedMs, long LastSeenMs, long ExpiresMs, string Address, UserRecord User);

/// <summary>
/// The console's accounts and sessions in the service's database (<see cref="ConsoleSchema"/>): parameterised
/// statements only, the same text for SQLite and PostgreSQL.
/// </summary>
public sealed class AccountStore
{
    internal const string UserColumns = "u.id, u.username, u.role, u.customer_id, u.password_hash, u.totp_secret, u.totp_last_step, u.failed_logins, u.locked_until_ms, u.setup_expires_ms";

    private readonly SqlDialect _dialect;
    private readonly TotpSecretProtector _protector;

    /// <param name="dialect">The service's database.</param>
    /// <param name="protector">Seals TOTP secrets before they are written and opens them when read (the key stays outside the database).</param>
    public AccountStore(SqlDialect dialect, TotpSecretProtector protector)
    {
        _dialect = dialect;
        _protector = protector;
    }

    /// <summary>The database, for the console's other stores (API tokens).</summary>
    internal SqlDialect Dialect => _dialect;

    /// <summary>Adds an account waiting for its setup link; false when the name is taken.</summary>
    public async Task<bool> CreateAsync(string userName, ConsoleRole role, string? customerId, string totpSecret, string setupTokenSha256, long setupExpiresMs, long nowMs, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, $"INSERT INTO {ConsoleSchema.Users} (username, role, customer_id, totp_secret, setup_token_sha256, setup_expires_ms, created_ms, updated_ms) "
            + "VALUES (@u, @r, @c, @s, @t, @e, @now, @now)");
        SqlDialect.Parameter(command, "@u", userName);
        SqlDialect.Parameter(command, "@r", ConsoleRoles.Name(role));
        SqlDialect.Parameter(command, "@c", customerId);
        SqlDialect.Parameter(command, "@s", _protector.Seal(userName, totpSecret));
        SqlDialect.Parameter(command, "@t", setupTokenSha256);
        SqlDialect.Parameter(command, "@e", setupExpiresMs);
        SqlDialect.Parameter(command, "@now", nowMs);
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
        catch (DbException error) when (_dialect.IsDataError(error))
        {
            return false; // the name is taken (UNIQUE)
        }
    }

    public Task<UserRecord?> FindByNameAsync(string userName, CancellationToken cancellationToken) => FindAsync("u.username = @k", userName, cancellationToken);

    public Task<UserRecord?> FindByIdAsync(long id, CancellationToken cancellationToken) => FindAsync("u.id = @k", id, cancellationToken);

    public Task<UserRecord?> FindBySetupTokenAsync(string tokenSha256, CancellationToken cancellationToken) => FindAsync("u.setup_token_sha256 = @k", tokenSha256, cancellationToken);

    /// <summary>Accounts of one tenant, or (null) all of them.</summary>
    public async Task<IReadOnlyList<UserRecord>> ListAsync(string? customerId, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, customerId == null
            ? $"SELECT {UserColumns} FROM {ConsoleSchema.Users} u ORDER BY u.username"
            : $"SELECT {UserColumns} FROM {ConsoleSchema.Users} u WHERE u.customer_id = @c ORDER BY u.username");
        if (customerId != null)
        {
            SqlDialect.Parameter(command, "@c", customerId);
        }

        var users = new List<UserRecord>();
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            users.Add(ReadUser(reader, 0));
        }

        return users;
    }

    /// <summary>
    /// Records a failed sign-in in one statement (an increment in the database, not a value read earlier: two console
    /// instances, or two requests, failing at the same time both count); at <paramref name="threshold"/> the account is
    /// locked until <paramref name="lockedUntilMs"/> and the count starts again. True when this failure locked it.
    /// </summary>
    public async Task<bool> RecordFailureAsync(long userId, long threshold, long lockedUntilMs, long nowMs, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, $"UPDATE {ConsoleSchema.Users} SET "
            + "locked_until_ms = CASE WHEN failed_logins + 1 >= @t THEN @l ELSE locked_until_ms END, "
            + "failed_logins = CASE WHEN failed_logins + 1 >= @t THEN 0 ELSE failed_logins + 1 END, "
            + "updated_ms = @now WHERE id = @id RETURNING locked_until_ms");
        SqlDialect.Parameter(command, "@t", threshold);
        SqlDialect.Parameter(command, "@l", lockedUntilMs);
        SqlDialect.Parameter(command, "@now", nowMs);
        SqlDialect.Parameter(command, "@id", userId);
        object? locked = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return locked is not (null or DBNull) && Convert.ToInt64(locked, CultureInfo.InvariantCulture) == lockedUntilMs;
    }

    /// <summary>
    /// The migration path for TOTP secrets stored in clear by earlier versions: seals each under this instance's key
    /// (compare-and-set on the old value, so a concurrent change wins). Run at console start and by the account CLI;
    /// until it ran, a clear row fails every sign-in (closed). The number of rows sealed.
    /// </summary>
    public async Task<int> SealClearSecretsAsync(long nowMs, CancellationToken cancellationToken)
    {
        var clear = new List<(long Id, string UserName, string Secret)>();
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using (DbCommand select = Command(connection, $"SELECT id, username, totp_secret FROM {ConsoleSchema.Users} WHERE totp_secret IS NOT NULL AND totp_secret NOT LIKE 'v1.%'"))
        {
            await using DbDataReader reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                clear.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        int sealedRows = 0;
        foreach ((long id, string userName, string secret) in clear)
        {
            if (TotpSecretProtector.IsSealed(secret))
            {
                continue;
            }

            using DbCommand update = Command(connection, $"UPDATE {ConsoleSchema.Users} SET totp_secret = @s, updated_ms = @now WHERE id = @id AND totp_secret = @old");
            SqlDialect.Parameter(update, "@s", _protector.Seal(userName, secret));
            SqlDialect.Parameter(update, "@now", nowMs);
            SqlDialect.Parameter(update, "@id", id);
            SqlDialect.Parameter(update, "@old", secret);
            sealedRows += await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return sealedRows;
    }

    /// <summary>A successful sign-in: failures cleared, the TOTP step used remembered (a code works once); the password re-hashed when the hasher asks.</summary>
    public Task RecordSuccessAsync(long userId, long totpStep, string passwordHash, long nowMs, CancellationToken cancellationToken) =>
        ExecuteAsync($"UPDATE {ConsoleSchema.Users} SET failed_logins = 0, locked_until_ms = NULL, totp_last_step = @s, password_hash = @h, updated_ms = @now WHERE id = @id", cancellationToken,
            ("@s", totpStep), ("@h", passwordHash), ("@now", nowMs), ("@id", userId));

    /// <summary>Sets the password (setup or change), consumes the setup link, and ends every session of the account, in one transaction.</summary>
    public Task SetPasswordAsync(long userId, string passwordHash, long totpStep, long nowMs, CancellationToken cancellationToken) =>
        ExecuteAsync($"UPDATE {ConsoleSchema.Users} SET password_hash = @h, totp_last_step = @s, setup_token_sha256 = NULL, setup_expires_ms = NULL, failed_logins = 0, locked_until_ms = NULL, updated_ms = @now WHERE id = @id", cancellationToken,
            ("@h", passwordHash), ("@s", totpStep), ("@now", nowMs), ("@id", userId));

    /// <summary>Changes the role; the caller ends the account's sessions.</summary>
    public Task SetRoleAsync(long userId, ConsoleRole role, long nowMs, CancellationToken cancellationToken) =>
        ExecuteAsync($"UPDATE {ConsoleSchema.Users} SET role = @r, updated_ms = @now WHERE id = @id", cancellationToken, ("@r", ConsoleRoles.Name(role)), ("@now", nowMs), ("@id", userId));

    // ---- sessions ----

    public Task AddSessionAsync(string tokenSha256, long userId, long nowMs, long expiresMs, string address, CancellationToken cancellationToken) =>
        ExecuteAsync($"INSERT INTO {ConsoleSchema.Sessions} (token_sha256, user_id, created_ms, last_seen_ms, expires_ms, address) VALUES (@t, @u, @now, @now, @e, @a)", cancellationToken,
            ("@t", tokenSha256), ("@u", userId), ("@now", nowMs), ("@e", expiresMs), ("@a", address));

    public async Task<SessionRecord?> FindSessionAsync(string tokenSha256, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, $"SELECT s.token_sha256, s.created_ms, s.last_seen_ms, s.expires_ms, s.address, {UserColumns} "
            + $"FROM {ConsoleSchema.Sessions} s JOIN {ConsoleSchema.Users} u ON u.id = s.user_id WHERE s.token_sha256 = @t");
        SqlDialect.Parameter(command, "@t", tokenSha256);
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new SessionRecord(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4), ReadUser(reader, 5));
    }

    public Task TouchSessionAsync(string tokenSha256, long nowMs, CancellationToken cancellationToken) =>
        ExecuteAsync($"UPDATE {ConsoleSchema.Sessions} SET last_seen_ms = @now WHERE token_sha256 = @t", cancellationToken, ("@now", nowMs), ("@t", tokenSha256));

    public Task DeleteSessionAsync(string tokenSha256, CancellationToken cancellationToken) =>
        ExecuteAsync($"DELETE FROM {ConsoleSchema.Sessions} WHERE token_sha256 = @t", cancellationToken, ("@t", tokenSha256));

    /// <summary>Ends every session of an account (logout, password change, role change).</summary>
    public Task DeleteSessionsOfAsync(long userId, CancellationToken cancellationToken) =>
        ExecuteAsync($"DELETE FROM {ConsoleSchema.Sessions} WHERE user_id = @u", cancellationToken, ("@u", userId));

    public async Task<long> CountSessionsAsync(long userId, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, $"SELECT COUNT(*) FROM {ConsoleSchema.Sessions} WHERE user_id = @u");
        SqlDialect.Parameter(command, "@u", userId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private async Task<UserRecord?> FindAsync(string where, object key, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, $"SELECT {UserColumns} FROM {ConsoleSchema.Users} u WHERE {where}");
        SqlDialect.Parameter(command, "@k", key);
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadUser(reader, 0) : null;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, sql);
        foreach ((string name, object? value) in parameters)
        {
            SqlDialect.Parameter(command, name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends one console security event (append-only table; text is stored as given and encoded when shown).</summary>
    public async Task AppendAuditAsync(string actor, string action, string subject, string? customerId, string address, long nowMs, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, $"INSERT INTO {ConsoleApiSchema.Audit} (at_ms, actor, action, subject, customer_id, address) VALUES (@t, @a, @x, @s, @c, @f)");
        SqlDialect.Parameter(command, "@t", nowMs);
        SqlDialect.Parameter(command, "@a", actor);
        SqlDialect.Parameter(command, "@x", action);
        SqlDialect.Parameter(command, "@s", subject);
        SqlDialect.Parameter(command, "@c", customerId);
        SqlDialect.Parameter(command, "@f", address);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The newest console security events of one tenant, or (null) all of them.</summary>
    public async Task<IReadOnlyList<AuditRecord>> ListAuditAsync(string? customerId, int limit, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, $"SELECT at_ms, actor, action, subject, address FROM {ConsoleApiSchema.Audit} "
            + (customerId == null ? string.Empty : "WHERE customer_id = @c ") + "ORDER BY id DESC LIMIT @n");
        if (customerId != null)
        {
            SqlDialect.Parameter(command, "@c", customerId);
        }

        SqlDialect.Parameter(command, "@n", limit);
        var records = new List<AuditRecord>();
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            records.Add(new AuditRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        }

        return records;
    }

    private static DbCommand Command(DbConnection connection, string sql)
    {
        DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    /// <summary>A user row (<see cref="UserColumns"/> from column <paramref name="o"/>), its TOTP secret opened.</summary>
    internal UserRecord ReadUser(DbDataReader r, int o)
    {
        ConsoleRoles.TryParse(r.GetString(o + 2), out ConsoleRole role);
        string userName = r.GetString(o + 1);
        string? stored = Text(r, o + 5);
        string? secret = null;
        bool unreadable = stored != null && !_protector.TryOpen(userName, stored, out secret);
        return new UserRecord(r.GetInt64(o), userName, role, Text(r, o + 3), Text(r, o + 4), unreadable ? null : secret, r.GetInt64(o + 6), r.GetInt64(o + 7), Long(r, o + 8), Long(r, o + 9), unreadable);
    }

    private static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static long? Long(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
}

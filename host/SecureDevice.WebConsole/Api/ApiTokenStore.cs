using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Accounts;

namespace SecureDevice.WebConsole.Api;

/// <summary>Token scope: read (GET only) or operate (also device actions, and only when the owner is an operator or admin).</summary>
public enum ApiScope
{
    Read,
    Operate,
}

/// <summary>A stored token (never the token itself).</summary>
public sealed record ApiTokenRecord(long Id, long UserId, string Name, ApiScope Scope, long CreatedMs, long ExpiresMs, long? LastUsedMs, long? RevokedMs);

/// <summary>The API tokens in the service's database (<see cref="ConsoleApiSchema"/>): parameterised statements only.</summary>
public sealed class ApiTokenStore
{
    private const string Columns = "t.id, t.user_id, t.name, t.scope, t.created_ms, t.expires_ms, t.last_used_ms, t.revoked_ms";
    private readonly SqlDialect _dialect;
    private readonly AccountStore _accounts;

    /// <summary>Tokens in the accounts' database; owners are read through <paramref name="accounts"/>.</summary>
    public ApiTokenStore(AccountStore accounts)
    {
        _accounts = accounts;
        _dialect = accounts.Dialect;
    }

    public static string ScopeName(ApiScope scope) => scope == ApiScope.Operate ? "operate" : "read";

    public static bool TryParseScope(string? text, out ApiScope scope)
    {
        scope = text == "operate" ? ApiScope.Operate : ApiScope.Read;
        return text is "read" or "operate";
    }

    public async Task AddAsync(string tokenSha256, long userId, string name, ApiScope scope, long nowMs, long expiresMs, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, $"INSERT INTO {ConsoleApiSchema.Tokens} (token_sha256, user_id, name, scope, created_ms, expires_ms) VALUES (@h, @u, @n, @s, @now, @e)");
        SqlDialect.Parameter(command, "@h", tokenSha256);
        SqlDialect.Parameter(command, "@u", userId);
        SqlDialect.Parameter(command, "@n", name);
        SqlDialect.Parameter(command, "@s", ScopeName(scope));
        SqlDialect.Parameter(command, "@now", nowMs);
        SqlDialect.Parameter(command, "@e", expiresMs);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The live (not revoked, not expired) token with this hash and its owner, and marks it used; else null.</summary>
    public async Task<(ApiTokenRecord Token, UserRecord User)?> UseAsync(string tokenSha256, long nowMs, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        (ApiTokenRecord, UserRecord)? found = null;
        using (DbCommand command = Command(connection, $"SELECT {Columns}, {AccountStore.UserColumns} FROM {ConsoleApiSchema.Tokens} t JOIN {ConsoleSchema.Users} u ON u.id = t.user_id "
            + "WHERE t.token_sha256 = @h AND t.revoked_ms IS NULL AND t.expires_ms > @now"))
        {
            SqlDialect.Parameter(command, "@h", tokenSha256);
            SqlDialect.Parameter(command, "@now", nowMs);
            await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found = (Read(reader), _accounts.ReadUser(reader, 8));
            }
        }

        if (found != null)
        {
            using DbCommand touch = Command(connection, $"UPDATE {ConsoleApiSchema.Tokens} SET last_used_ms = @now WHERE id = @id");
            SqlDialect.Parameter(touch, "@now", nowMs);
            SqlDialect.Parameter(touch, "@id", found.Value.Item1.Id);
            await touch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return found;
    }

    /// <summary>Every token of one account, newest first.</summary>
    public async Task<IReadOnlyList<ApiTokenRecord>> ListAsync(long userId, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, $"SELECT {Columns} FROM {ConsoleApiSchema.Tokens} t WHERE t.user_id = @u ORDER BY t.id DESC");
        SqlDialect.Parameter(command, "@u", userId);
        var tokens = new List<ApiTokenRecord>();
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tokens.Add(Read(reader));
        }

        return tokens;
    }

    /// <summary>Revokes the account's own token; false when it is not theirs, unknown or already revoked.</summary>
    public async Task<bool> RevokeAsync(long tokenId, long userId, long nowMs, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, $"UPDATE {ConsoleApiSchema.Tokens} SET revoked_ms = @now WHERE id = @id AND user_id = @u AND revoked_ms IS NULL");
        SqlDialect.Parameter(command, "@now", nowMs);
        SqlDialect.Parameter(command, "@id", tokenId);
        SqlDialect.Parameter(command, "@u", userId);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static ApiTokenRecord Read(DbDataReader r)
    {
        TryParseScope(r.GetString(3), out ApiScope scope);
        return new ApiTokenRecord(r.GetInt64(0), r.GetInt64(1), r.GetString(2), scope, r.GetInt64(4), r.GetInt64(5),
            r.IsDBNull(6) ? null : r.GetInt64(6), r.IsDBNull(7) ? null : r.GetInt64(7));
    }

    private static DbCommand Command(DbConnection connection, string sql)
    {
        DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }
}

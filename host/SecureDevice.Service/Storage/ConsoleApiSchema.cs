using System.Collections.Generic;

namespace SecureDevice.Service.Storage;

/// <summary>
/// The console's API tokens (issue 14, control 4; docs/console.md): personal tokens stored only as their SHA-256, with
/// scope, expiry, owner and use times. Its own migration step, after the accounts.
/// </summary>
public static class ConsoleApiSchema
{
    public const string Tokens = "console_api_tokens";

    public static IReadOnlyList<string> Statements(SqlDialect dialect) => new[]
    {
        // scope: 'read' or 'operate'; revoked_ms set once, never cleared. token_sha256 is all that remains of the token.
        $@"CREATE TABLE {Tokens} (
            id {{pk}},
            token_sha256 TEXT NOT NULL UNIQUE,
            user_id {{int}} NOT NULL REFERENCES {ConsoleSchema.Users} (id),
            name TEXT NOT NULL,
            scope TEXT NOT NULL,
            created_ms {{int}} NOT NULL,
            expires_ms {{int}} NOT NULL,
            last_used_ms {{int}} NULL,
            revoked_ms {{int}} NULL)",
        $"CREATE INDEX ix_console_api_tokens_user ON {Tokens} (user_id)",
    };
}

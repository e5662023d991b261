using System.Collections.Generic;

namespace SecureDevice.Service.Storage;

/// <summary>
/// The console's API tokens (issue 14, control 4; docs/console.md): personal tokens stored only as their SHA-256, with
/// scope, expiry, owner and use times; and the console's append-only security audit (control 9). Its own migration step.
/// </summary>
public static class ConsoleApiSchema
{
    public const string Tokens = "console_api_tokens";
    public const string Audit = "console_audit";

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

        // Console security events (sign-ins, accounts, roles, tokens): who (actor), what (action), about whom (subject,
        // and the subject's customer for tenant scoping), from where, when. Append-only: triggers refuse changes.
        $@"CREATE TABLE {Audit} (
            id {{pk}},
            at_ms {{int}} NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            customer_id TEXT NULL,
            address TEXT NOT NULL)",
        $"CREATE INDEX ix_console_audit_at ON {Audit} (at_ms)",
        dialect.AppendOnlyTrigger(Audit),
    };
}

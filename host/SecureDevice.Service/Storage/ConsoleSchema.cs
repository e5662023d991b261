using System.Collections.Generic;

namespace SecureDevice.Service.Storage;

/// <summary>
/// The console's tables (issue 14, docs/console.md "Storage"): its local accounts and its server-side sessions. Kept in
/// its own file so the console's schema step reads as one unit; <see cref="Migrations"/> lists it as a step like any other.
/// </summary>
public static class ConsoleSchema
{
    public const string Users = "console_users";
    public const string Sessions = "console_sessions";
    public const string Pauses = "console_source_pauses";

    /// <summary>
    /// Step 10: the burst pauses of failing sources (docs/console.md, "Bursts of failures"), so every console instance on
    /// the database honours a pause any of them decided. <c>source</c>: <c>address A</c> or <c>account NAME</c>;
    /// <c>until_ms</c>: the pause's end (a later pause only lengthens it).
    /// </summary>
    public static IReadOnlyList<string> PauseStatements(SqlDialect dialect) => new[]
    {
        $@"CREATE TABLE {Pauses} (
            source TEXT NOT NULL PRIMARY KEY,
            until_ms {{int}} NOT NULL)",
        $"CREATE INDEX ix_console_source_pauses_until ON {Pauses} (until_ms)",
    };

    /// <summary>The DDL of the console's migration step.</summary>
    public static IReadOnlyList<string> Statements(SqlDialect dialect) => new[]
    {
        // One row per console account. customer_id NULL: the fleet operator's own staff (every tenant). password_hash
        // NULL until the one-time setup link is used; setup_token_sha256 is the SHA-256 of that link's token (never the
        // token). totp_last_step refuses a code used once already.
        $@"CREATE TABLE {Users} (
            id {{pk}},
            username TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL,
            customer_id TEXT NULL,
            password_hash TEXT NULL,
            totp_secret TEXT NULL,
            totp_last_step {{int}} NOT NULL DEFAULT 0,
            failed_logins {{int}} NOT NULL DEFAULT 0,
            locked_until_ms {{int}} NULL,
            setup_token_sha256 TEXT NULL UNIQUE,
            setup_expires_ms {{int}} NULL,
            created_ms {{int}} NOT NULL,
            updated_ms {{int}} NOT NULL)",

        // Server-side sessions: the cookie carries a random token, the table its SHA-256 (a database leak yields no usable cookie).
        $@"CREATE TABLE {Sessions} (
            token_sha256 TEXT NOT NULL PRIMARY KEY,
            user_id {{int}} NOT NULL REFERENCES {Users} (id),
            created_ms {{int}} NOT NULL,
            last_seen_ms {{int}} NOT NULL,
            expires_ms {{int}} NOT NULL,
            address TEXT NOT NULL)",
        $"CREATE INDEX ix_console_sessions_user ON {Sessions} (user_id)",
    };
}

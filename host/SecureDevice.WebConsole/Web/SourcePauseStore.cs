using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Queries;

namespace SecureDevice.WebConsole.Web;

/// <summary>
/// The burst pauses in the shared database (schema step 10, <see cref="ConsoleSchema.Pauses"/>), so every console
/// instance honours a pause any of them decided (docs/console.md, "Several console instances"). Parameters only.
/// </summary>
public sealed class SourcePauseStore
{
    private readonly SqlDialect _dialect;

    public SourcePauseStore(SqlDialect dialect) => _dialect = dialect;

    /// <summary>Pauses <paramref name="source"/> until <paramref name="untilMs"/>; a pause already recorded only gets longer, never shorter.</summary>
    public Task RecordAsync(string source, long untilMs, CancellationToken cancellationToken) =>
        new SqlQuery().Parameter("@s", source).Parameter("@u", untilMs).ReadAsync(_dialect,
            $"INSERT INTO {ConsoleSchema.Pauses} (source, until_ms) VALUES (@s, @u) ON CONFLICT (source) DO UPDATE SET until_ms = "
            + $"CASE WHEN excluded.until_ms > {ConsoleSchema.Pauses}.until_ms THEN excluded.until_ms ELSE {ConsoleSchema.Pauses}.until_ms END RETURNING until_ms",
            r => r.GetInt64(0), cancellationToken);

    /// <summary>The pauses still running at <paramref name="nowMs"/> (at most <paramref name="limit"/>, the longest first); ended ones are deleted.</summary>
    public async Task<IReadOnlyList<(string Source, long UntilMs)>> ActiveAsync(long nowMs, int limit, CancellationToken cancellationToken)
    {
        await new SqlQuery().Parameter("@now", nowMs).ReadAsync(_dialect, $"DELETE FROM {ConsoleSchema.Pauses} WHERE until_ms <= @now RETURNING source", r => r.GetString(0), cancellationToken).ConfigureAwait(false);
        return await new SqlQuery().Parameter("@now", nowMs).Parameter("@limit", (long)limit).ReadAsync(_dialect,
            $"SELECT source, until_ms FROM {ConsoleSchema.Pauses} WHERE until_ms > @now ORDER BY until_ms DESC LIMIT @limit", r => (r.GetString(0), r.GetInt64(1)), cancellationToken).ConfigureAwait(false);
    }
}

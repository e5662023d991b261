using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SecureDevice.WebConsole.Accounts;

/// <summary>
/// At console start (before the host reports started), seals the TOTP secrets an earlier version stored in clear
/// (<see cref="AccountStore.SealClearSecretsAsync"/>). No schema change: the column keeps its name and now holds the
/// sealed form.
/// </summary>
internal sealed class TotpSecretMigration : IHostedService
{
    private readonly AccountStore _accounts;
    private readonly ConsoleOptions _options;
    private readonly ILogger<TotpSecretMigration> _log;

    public TotpSecretMigration(AccountStore accounts, ConsoleOptions options, ILogger<TotpSecretMigration> log)
    {
        _accounts = accounts;
        _options = options;
        _log = log;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        int sealedRows = await _accounts.SealClearSecretsAsync(_options.Time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        if (sealedRows > 0)
        {
            _log.LogWarning("console: sealed {Count} TOTP secret(s) stored in clear by an earlier version", sealedRows);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

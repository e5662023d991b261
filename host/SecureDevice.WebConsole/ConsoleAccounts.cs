using System;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Web;
using SecureDevice.Fleet;
using SecureDevice.Service.Storage;

namespace SecureDevice.WebConsole;

/// <summary>
/// What <c>securedevice console admin|user</c> does, outside a running service: opens the service's database (SQLite in
/// the data folder or PostgreSQL), applies the schema, adds an account without a password, and returns its one-time
/// setup link. The first admin is made this way: there is no default password.
/// </summary>
public static class ConsoleAccounts
{
    /// <exception cref="FleetException">A bad name or customer, a taken name, a database that cannot be opened.</exception>
    public static async Task<string> CreateAsync(string dataFolder, string? databaseUrl, string userName, ConsoleRole role, string? customerId, Uri consoleUrl, TimeProvider time, CancellationToken cancellationToken)
    {
        if (consoleUrl.Scheme != Uri.UriSchemeHttps)
        {
            throw new FleetException(FleetError.InvalidArgument, "the console URL must be https://HOST:PORT/, got '" + consoleUrl + "'");
        }

        if (!System.IO.Directory.Exists(dataFolder))
        {
            // Also with PostgreSQL: the data folder holds the key that seals TOTP secrets (console-totp.key).
            throw new FleetException(FleetError.NotFound, "the data folder " + dataFolder + " does not exist (the service's --data)");
        }

        SqlDialect dialect = ConsoleModule.OpenDatabase(dataFolder, databaseUrl, "securedevice-console-cli");
        await using (var store = new FleetStore(dialect)) // disposes the dialect
        {
            await store.MigrateAsync(time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
            var accountStore = new AccountStore(dialect, TotpSecretProtector.OpenOrCreate(dataFolder));
            await accountStore.SealClearSecretsAsync(time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
            var accounts = new AccountService(accountStore, new ConsoleOptions { Time = time });
            CreatedAccount created = await accounts.CreateAsync(userName, role, customerId, cancellationToken).ConfigureAwait(false);
            return created.Status switch
            {
                CreateStatus.Created => new Uri(consoleUrl, "/setup?Token=" + created.SetupToken).ToString(),
                CreateStatus.NameTaken => throw new FleetException(FleetError.AlreadyExists, "the console account '" + userName + "' exists already"),
                _ => throw new FleetException(FleetError.InvalidArgument, "a console user name is 1-64 of [a-z0-9._@-] starting with a letter or digit, and a customer 1-128 characters"),
            };
        }
    }
}

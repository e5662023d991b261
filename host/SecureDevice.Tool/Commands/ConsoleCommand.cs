using System;
using System.CommandLine;
using System.Threading;
using SecureDevice.WebConsole;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Commands;

/// <summary>
/// <c>securedevice console admin NAME --data DIR [--database URL] [--url https://HOST:PORT/]</c> creates the first (or
/// another) admin; <c>securedevice console user NAME --role viewer|operator|admin [--customer ID] ...</c> any account.
/// Each prints a one-time setup link (valid 24 h) where the owner sets a password and enrols TOTP: no default password.
/// </summary>
public static class ConsoleCommand
{
    public static Command Create(ToolConsole console)
    {
        var command = new Command("console", "Manage the fleet console's accounts (docs/console.md).");
        command.Subcommands.Add(Account(console, "admin", "Create a fleet-wide admin account and print its one-time setup link.", fixedRole: ConsoleRole.Admin));
        command.Subcommands.Add(Account(console, "user", "Create an account (viewer, operator or admin; of one customer or fleet-wide) and print its one-time setup link.", fixedRole: null));
        return command;
    }

    private static Command Account(ToolConsole console, string name, string description, ConsoleRole? fixedRole)
    {
        var user = new Argument<string>("name") { Description = "User name: 1-64 of [a-z0-9._@-]." };
        var data = new Option<string>("--data") { Description = "The service's data folder (its SQLite database), as given to 'securedevice service'.", Required = true };
        var database = new Option<string>("--database") { Description = "postgres://... when the service uses PostgreSQL." };
        var url = new Option<string>("--url") { Description = "The console's address for the link (default https://localhost:9443/)." };
        var role = new Option<string>("--role") { Description = "viewer, operator or admin.", Required = true };
        var customer = new Option<string>("--customer") { Description = "The customer (tenant) whose devices the account sees; omit for fleet staff." };
        var command = new Command(name, description) { user, data, database, url };
        if (fixedRole == null)
        {
            command.Options.Add(role);
            command.Options.Add(customer);
        }

        command.SetAction(result =>
        {
            ConsoleRole chosen = fixedRole ?? (ConsoleRoles.TryParse(result.GetValue(role), out ConsoleRole parsed) ? parsed
                : throw new ToolException("--role must be viewer, operator or admin, got '" + result.GetValue(role) + "'"));
            string text = result.GetValue(url) ?? "https://localhost:9443/";
            if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? address) || address.Scheme != Uri.UriSchemeHttps)
            {
                throw new ToolException("--url must be https://HOST:PORT/, got '" + text + "'");
            }

            string link = ConsoleAccounts.CreateAsync(result.GetValue(data)!, result.GetValue(database), result.GetValue(user)!, chosen,
                fixedRole == null ? result.GetValue(customer) : null, address, TimeProvider.System, CancellationToken.None).GetAwaiter().GetResult();
            console.Line("account '" + result.GetValue(user) + "' (" + ConsoleRoles.Name(chosen) + ") created; its owner opens this one-time link within 24 h to set a password and enrol TOTP:");
            console.Line(link);
            return 0;
        });
        return command;
    }
}

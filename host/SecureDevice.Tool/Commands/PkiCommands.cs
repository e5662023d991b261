using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Net;
using SecureDevice.Fleet.Pki;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Commands;

/// <summary><c>securedevice pki init|crl|admin</c>.</summary>
public static class PkiCommands
{
    public static Command CreatePki(ToolConsole console)
    {
        var pki = new Command("pki", "Development PKI: root CA, device-issuing CA, broker, service (and its command identity), operator and broker-admin certificates, CRL.");
        var output = new Option<string>("--out") { Description = "Folder to create (must not exist or be empty).", Required = true };
        var names = new Option<string[]>("--broker-name") { Description = "DNS name for the broker certificate; repeatable (default localhost)." };
        var addresses = new Option<string[]>("--broker-ip") { Description = "IP address for the broker certificate; repeatable (default 127.0.0.1)." };
        var init = new Command("init", "Create the CA hierarchy, broker, service, commands.service, operator and broker-admin certificates and an empty CRL.") { output, names, addresses };
        init.SetAction(result =>
        {
            string[] dns = result.GetValue(names) is { Length: > 0 } given ? given : new[] { "localhost" };
            IPAddress[] ips = (result.GetValue(addresses) is { Length: > 0 } a ? a : new[] { "127.0.0.1" }).Select(ip => CliParsing.Address(ip, "--broker-ip")).ToArray();
            string folder = result.GetValue(output)!;
            PkiFolder.Init(folder, dns, ips, console.Clock());
            console.Line("created PKI in " + Path.GetFullPath(folder) + ": root-ca, device-ca, broker (" + string.Join(", ", dns.Concat(ips.Select(i => i.ToString())))
                + "), service, commands.service, operator and broker-admin identities, empty CRL; private keys are 0600");
            return 0;
        });
        pki.Subcommands.Add(init);

        var pkiFolder = new Option<string>("--pki") { Description = "PKI folder.", Required = true };
        var crl = new Command("crl", "Re-issue crl.pem from the inventory (do it well before the current CRL expires).") { pkiFolder };
        crl.SetAction(result =>
        {
            var layout = new PkiLayout(result.GetValue(pkiFolder)!);
            long number = Revocation.ReissueCrl(layout, console.Clock());
            console.Line("wrote " + layout.Crl + " (CRL number " + number + "); reload the broker with SIGHUP");
            return 0;
        });
        pki.Subcommands.Add(crl);

        var adminPki = new Option<string>("--pki") { Description = "PKI folder.", Required = true };
        var admin = new Command("admin", "Issue the broker-admin identity into a PKI folder made before it existed.") { adminPki };
        admin.SetAction(result =>
        {
            var layout = new PkiLayout(result.GetValue(adminPki)!);
            PkiFolder.IssueAdmin(layout, console.Clock());
            console.Line("wrote " + layout.AdminCertificate + " and " + layout.AdminKey + " (0600)");
            return 0;
        });
        pki.Subcommands.Add(admin);
        return pki;
    }
}

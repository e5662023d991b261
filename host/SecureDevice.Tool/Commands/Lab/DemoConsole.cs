using System;
using System.Net;
using System.Threading;
using Microsoft.Extensions.Logging;
using SecureDevice.Lab.Demo;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Integration;
using SecureDevice.Tool.Cli;
using SecureDevice.WebConsole;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Updates;

namespace SecureDevice.Tool.Commands.Lab;

/// <summary>
/// <c>securedevice demo --keep DIR</c>, after every check held: the demo's fleet service (instance
/// <see cref="DemoWorkspace.ServiceInstance"/>, its database from the whole demo) runs on with the web console on 127.0.0.1 over
/// HTTPS (the demo PKI's broker certificate, which names 127.0.0.1), next to the broker, the update server and the
/// virtual devices, until SIGINT or SIGTERM. The first admin gets a one-time setup link, as from
/// <c>securedevice console admin</c>: there is no default password.
/// </summary>
internal static class DemoConsole
{
    /// <summary>The first admin's name in the kept demo.</summary>
    internal const string Admin = "admin";

    internal static int Serve(ToolConsole console, DemoWorkspace workspace)
    {
        var options = new ServiceOptions
        {
            PkiFolder = workspace.Pki.Folder,
            DataFolder = workspace.ServiceData,
            BrokerHost = "localhost",
            BrokerPort = workspace.BrokerPort,
            Identity = DemoWorkspace.ServiceInstance,
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            LogLevel = LogLevel.Warning,
        };
        var listen = new IPEndPoint(IPAddress.Loopback, DemoWorkspace.FreePort());
        var url = new Uri("https://127.0.0.1:" + listen.Port + "/");
        var bundles = new BundleSource(workspace.Bundles, new Uri(workspace.Updates.BaseUrl), VerifyCommand.ReadRoots(new[] { workspace.RootPublicKey }));
        var web = ServiceCommand.ConsoleWeb(options, listen, workspace.Pki.BrokerCertificate, workspace.Pki.BrokerKey, bundles);
        string link = ConsoleAccounts.CreateAsync(workspace.ServiceData, null, Admin, ConsoleRole.Admin, null, url, TimeProvider.System, CancellationToken.None)
            .GetAwaiter().GetResult();
        return ServiceCommand.RunUntilSignal(console, options, new IntegrationOptions(), web, running =>
        {
            console.Line(string.Empty);
            console.Line("the fleet console is running; Ctrl-C stops it with the service, the broker, the update server and the devices");
            console.Line("  console:      " + url);
            console.Line("  first admin:  " + link);
            console.Line("                one-time link for '" + Admin + "', valid 24 h: set a password and enrol TOTP (an authenticator app, or 'oathtool --totp -b KEY')");
            console.Line("  certificate:  the demo's own root CA, " + workspace.Pki.RootCertificate + ": the browser warns unless you import it");
            console.Line("  service:      " + running.Service.Instance + ", " + running.Service.Store.Description + ", " + running.Address + "metrics");
            console.Line("  offers:       the bundles in " + workspace.Bundles + " (served at " + workspace.Updates.BaseUrl + "), on /updates");
        });
    }
}

using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading;
using SecureDevice.Tool.Cli;
using SecureDevice.Fleet.Files;
using SecureDevice.Fleet.Updates;

namespace SecureDevice.Tool.Commands;

/// <summary>
/// <c>securedevice serve-updates BUNDLE_DIR --port N --cert CERT.pem --key KEY.pem [--bind ADDRESS]</c>: serves a folder
/// read-only over HTTPS with byte ranges until Ctrl-C or SIGTERM, one access-log line per request on standard output.
/// </summary>
public static class ServeUpdatesCommand
{
    public static Command Create(ToolConsole console)
    {
        var folder = new Argument<string>("bundle-dir") { Description = "Folder to serve: a signed bundle, or a folder of bundles." };
        var port = new Option<string>("--port") { Description = "TLS port, 1-65535.", Required = true };
        var certificate = new Option<string>("--cert") { Description = "Server certificate PEM (e.g. pki/broker.pem), issued by the CA the devices pin.", Required = true };
        var key = new Option<string>("--key") { Description = "Its unencrypted PEM private key (e.g. pki/broker.key.pem).", Required = true };
        var bind = new Option<string>("--bind") { Description = "IP address to listen on (default 127.0.0.1)." };
        var command = new Command("serve-updates", "Serve update files over HTTPS (TLS 1.2+, byte ranges for resumed downloads) until Ctrl-C.")
        {
            folder, port, certificate, key, bind,
        };
        command.SetAction(result =>
        {
            string root = Path.GetFullPath(result.GetValue(folder)!);
            SafeFileReader.RequireReadableFolder(root, "bundle folder");
            int portNumber = CliParsing.Between(result.GetValue(port)!, "--port", 1, 65535);
            string address = CliParsing.Address(result.GetValue(bind) ?? "127.0.0.1", "--bind").ToString();

            using ServerCredentials credentials = ServerCredentials.Load(result.GetValue(certificate)!, result.GetValue(key)!, console.Clock());
            return Serve(console, root, portNumber, address, credentials);
        });
        return command;
    }

    private static int Serve(ToolConsole console, string root, int port, string address, ServerCredentials credentials)
    {
        using var stop = new ManualResetEventSlim();

        // Registered before the socket opens so that an early Ctrl-C or SIGTERM still ends in an orderly stop (exit 0)
        // rather than the runtime's default termination.
        Action<PosixSignalContext> onSignal = signal =>
        {
            signal.Cancel = true;
            stop.Set();
        };
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, onSignal);
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, onSignal);

        var output = new object();
        UpdateServer server = UpdateServer.Start(root, port, credentials.Certificate, address, request =>
            {
                string line = console.Clock().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) + " " + request;
                lock (output)
                {
                    console.Line(line);
                }
            }, credentials.Intermediates);

        using (server)
        {
            lock (output)
            {
                console.Line("serving " + root + " at " + server.BaseUrl);
            }

            stop.Wait();
            server.Stop();
            lock (output)
            {
                console.Line("stopped: " + server.Requests + " requests, " + server.BytesSent + " bytes sent, " + server.RangeRequests
                    + " range requests, " + server.NotFound + " not found");
            }
        }

        return 0;
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace SecureDevice.Lab.Alerts;

/// <summary>One message as the SMTP server received it: the envelope recipients and the raw message bytes.</summary>
public sealed record ReceivedMail(IReadOnlyList<string> EnvelopeTo, byte[] Raw);

/// <summary>
/// A customer's mail server for tests: Debian's aiosmtpd (<c>/usr/bin/python3</c>, package python3-aiosmtpd) on
/// 127.0.0.1, storing each message it accepts, with its envelope recipients, as a file in a folder of its own.
/// Killed when disposed.
/// </summary>
public sealed class SmtpInbox : IDisposable
{
    // Writes the envelope recipients on the first line, then the message as received; renamed into place when complete.
    private const string Server = "import os,sys,time\n"
        + "from aiosmtpd.controller import Controller\n"
        + "folder = sys.argv[2]\n"
        + "class H:\n"
        + "    count = 0\n"
        + "    async def handle_DATA(self, server, session, envelope):\n"
        + "        H.count += 1\n"
        + "        path = os.path.join(folder, '%06d' % H.count)\n"
        + "        with open(path + '.tmp', 'wb') as f:\n"
        + "            f.write((','.join(envelope.rcpt_tos) + '\\n').encode('utf-8'))\n"
        + "            f.write(envelope.original_content)\n"
        + "        os.rename(path + '.tmp', path + '.eml')\n"
        + "        return '250 OK'\n"
        + "c = Controller(H(), hostname='127.0.0.1', port=int(sys.argv[1])); c.start()\n"
        + "print('ready', flush=True)\n"
        + "while True: time.sleep(1)\n";

    private readonly Process _process;
    private readonly string _folder;

    private SmtpInbox(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts the server, storing into <paramref name="folder"/> (created), and waits until it accepts connections.</summary>
    public static SmtpInbox Start(string folder)
    {
        Directory.CreateDirectory(folder);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Server);
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(folder);
        Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start python3");
        var inbox = new SmtpInbox(process, folder, port);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Stopwatch watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(15))
        {
            try
            {
                using var client = new TcpClient("127.0.0.1", port);
                return inbox;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        inbox.Dispose();
        throw new InvalidOperationException("aiosmtpd did not start on port " + port);
    }

    /// <summary>The messages received so far, in order.</summary>
    public IReadOnlyList<ReceivedMail> Snapshot() => Directory.GetFiles(_folder, "*.eml").OrderBy(p => p, StringComparer.Ordinal).Select(Read).ToArray();

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private static ReceivedMail Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int newline = Array.IndexOf(bytes, (byte)'\n');
        string[] to = Encoding.UTF8.GetString(bytes, 0, newline).Split(',', StringSplitOptions.RemoveEmptyEntries);
        return new ReceivedMail(to, bytes[(newline + 1)..]);
    }
}

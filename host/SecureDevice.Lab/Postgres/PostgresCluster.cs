using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace SecureDevice.Lab.Postgres;

/// <summary>
/// A throwaway PostgreSQL cluster from Debian's server binaries: initdb into a temporary folder, a free port on
/// 127.0.0.1 only, password (SCRAM) authentication for one superuser with a random password, stopped and deleted on
/// dispose. PostgreSQL refuses to run as root, so under root the cluster runs as the "postgres" user (or "nobody") via
/// setpriv. Used by the tests' fixture and by <c>securedevice bench ingest --postgres</c>.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    private readonly string _bin;
    private readonly string[] _prefix;

    private PostgresCluster(string folder, string bin, string[] prefix, int port, string password)
    {
        Folder = folder;
        _bin = bin;
        _prefix = prefix;
        Port = port;
        Password = password;
    }

    public string Folder { get; }

    public int Port { get; }

    public const string User = "securedevice";

    /// <summary>The superuser's password (random per cluster).</summary>
    public string Password { get; }

    /// <summary>The folder of initdb and pg_ctl (the newest /usr/lib/postgresql/N/bin), or null when PostgreSQL is not installed.</summary>
    public static string? FindBinaries()
    {
        const string Root = "/usr/lib/postgresql";
        if (Directory.Exists(Root))
        {
            string? newest = Directory.GetDirectories(Root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out int v) ? v : 0).FirstOrDefault();
            if (newest != null)
            {
                return newest;
            }
        }

        string? onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').FirstOrDefault(d => d.Length > 0 && File.Exists(Path.Combine(d, "initdb")));
        return onPath;
    }

    /// <summary>Creates and starts a cluster. <paramref name="durable"/> false turns fsync off (tests); true keeps PostgreSQL's defaults (benchmarks).</summary>
    public static PostgresCluster Start(bool durable = false)
    {
        string bin = FindBinaries() ?? throw new InvalidOperationException("PostgreSQL is not installed (scripts/install-deps.sh installs it)");
        string folder = Path.Combine(Path.GetTempPath(), "sd-pg-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        Directory.CreateDirectory(folder);
        string[] prefix = Array.Empty<string>();
        if (Environment.UserName == "root")
        {
            (int uid, int gid) = Account("postgres") ?? (65534, 65534);
            prefix = new[] { "/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups" };
            Chown(folder, uid, gid);
        }

        string password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        string passwordFile = Path.Combine(folder, "pwfile");
        File.WriteAllText(passwordFile, password + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        if (prefix.Length > 0)
        {
            (int uid, int gid) = Account("postgres") ?? (65534, 65534);
            Chown(passwordFile, uid, gid);
        }

        int port = FreePort();
        var cluster = new PostgresCluster(folder, bin, prefix, port, password);
        cluster.Run("initdb", "-D", Path.Combine(folder, "data"), "-U", User, "--pwfile=" + passwordFile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-instructions");
        File.Delete(passwordFile);
        string settings = "-c listen_addresses=127.0.0.1 -p " + port.ToString(CultureInfo.InvariantCulture) + " -k " + folder
            + " -c max_connections=60 -c shared_buffers=64MB" + (durable ? string.Empty : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        cluster.Run("pg_ctl", "-D", Path.Combine(folder, "data"), "-l", Path.Combine(folder, "log"), "-o", settings, "-w", "-t", "60", "start");
        return cluster;
    }

    /// <summary>A URL for <paramref name="database"/> with the password in it.</summary>
    public string Url(string database) => "postgres://" + User + ":" + Password + "@127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture) + "/" + database + "?sslmode=disable";

    /// <summary>Creates an empty database and returns its URL.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new ArgumentException("database names here are [a-z0-9_]", nameof(name));
        }

        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Username = User, Password = Password, Database = "postgres", SslMode = SslMode.Disable, Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // An identifier cannot be a parameter; the name is checked above to [a-z0-9_].
        command.CommandText = "CREATE DATABASE " + name;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return Url(name);
    }

    /// <summary>The server's log (for a failing test's message).</summary>
    public string Log => File.Exists(Path.Combine(Folder, "log")) ? File.ReadAllText(Path.Combine(Folder, "log")) : string.Empty;

    public void Dispose()
    {
        try
        {
            Run("pg_ctl", "-D", Path.Combine(Folder, "data"), "-m", "immediate", "-w", "-t", "30", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(_prefix.Length > 0 ? _prefix[0] : Path.Combine(_bin, tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Folder,
        };
        foreach (string part in _prefix.Skip(1))
        {
            start.ArgumentList.Add(part);
        }

        if (_prefix.Length > 0)
        {
            start.ArgumentList.Add(Path.Combine(_bin, tool));
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + tool);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException(tool + " did not finish");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(tool + " failed (" + process.ExitCode + "): " + error.Result + output.Result + Log);
        }
    }

    private static (int Uid, int Gid)? Account(string name)
    {
        foreach (string line in File.ReadLines("/etc/passwd"))
        {
            string[] fields = line.Split(':');
            if (fields.Length > 3 && fields[0] == name)
            {
                return (int.Parse(fields[2], CultureInfo.InvariantCulture), int.Parse(fields[3], CultureInfo.InvariantCulture));
            }
        }

        return null;
    }

    private static void Chown(string path, int uid, int gid)
    {
        if (chown(path, uid, gid) != 0)
        {
            throw new InvalidOperationException("chown " + path + " failed");
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int chown(string path, int owner, int group);
}

using System;
using System.Globalization;
using Npgsql;
using SecureDevice.Fleet;

namespace SecureDevice.Service.Storage;

/// <summary>
/// A PostgreSQL URL, <c>postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE]</c>, parsed strictly. The
/// password never appears in <see cref="ToString"/> or in an error message; without one, Npgsql reads
/// <c>PGPASSWORD</c> or <c>~/.pgpass</c>, which keeps it out of the process list.
/// </summary>
public sealed class DatabaseUrl
{
    private readonly string? _password;

    private DatabaseUrl(string user, string? password, string host, int port, string database, SslMode sslMode)
    {
        User = user;
        _password = password;
        Host = host;
        Port = port;
        Database = database;
        SslMode = sslMode;
    }

    public string User { get; }

    public string Host { get; }

    public int Port { get; }

    public string Database { get; }

    public SslMode SslMode { get; }

    /// <summary>Whether the URL carried a password (never the password itself).</summary>
    public bool HasPassword => _password != null;

    /// <summary>Parses <paramref name="text"/>; a malformed URL is one line that never repeats the password.</summary>
    /// <exception cref="FleetException"><see cref="FleetError.InvalidArgument"/>.</exception>
    public static DatabaseUrl Parse(string text)
    {
        const string Shape = "the database URL must be postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require|verify-ca|verify-full]";
        if (text.Length > 2048 || !Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || (uri.Scheme != "postgres" && uri.Scheme != "postgresql"))
        {
            throw new FleetException(FleetError.InvalidArgument, Shape);
        }

        string[] info = uri.UserInfo.Split(':', 2);
        string user = Decode(info[0]);
        string? password = info.Length == 2 ? Decode(info[1]) : null;
        string database = Decode(uri.AbsolutePath.TrimStart('/'));
        if (user.Length == 0 || uri.Host.Length == 0 || database.Length == 0 || database.Contains('/', StringComparison.Ordinal) || uri.Fragment.Length > 0
            || HasControl(user) || HasControl(database) || (password != null && HasControl(password)))
        {
            throw new FleetException(FleetError.InvalidArgument, Shape);
        }

        int port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port;
        SslMode mode = SslMode.Prefer;
        string query = uri.Query.TrimStart('?');
        if (query.Length > 0)
        {
            foreach (string pair in query.Split('&'))
            {
                string[] kv = pair.Split('=', 2);
                if (kv.Length != 2 || kv[0] != "sslmode" || !TryMode(kv[1], out mode))
                {
                    throw new FleetException(FleetError.InvalidArgument, Shape + " (only sslmode is accepted as a parameter)");
                }
            }
        }

        string host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        return new DatabaseUrl(user, password, host, port, database, mode);
    }

    /// <summary>The Npgsql connection string (holds the password when the URL had one: never log it).</summary>
    internal string ConnectionString(string applicationName)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = Database,
            Username = User,
            SslMode = SslMode,
            ApplicationName = applicationName,
            Timeout = 10,
            CommandTimeout = 60,
            MaxPoolSize = 16,
            MaxAutoPrepare = 64,
            AutoPrepareMinUsages = 2,
            IncludeErrorDetail = false,
        };
        if (_password != null)
        {
            builder.Password = _password;
        }

        return builder.ConnectionString;
    }

    /// <summary>The URL with the password replaced by <c>***</c>.</summary>
    public override string ToString() =>
        "postgres://" + Uri.EscapeDataString(User) + (HasPassword ? ":***" : string.Empty) + "@" + (Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host)
        + ":" + Port.ToString(CultureInfo.InvariantCulture) + "/" + Uri.EscapeDataString(Database) + "?sslmode=" + SslMode.ToString().ToLowerInvariant();

    private static string Decode(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            return string.Empty;
        }
    }

    private static bool HasControl(string text)
    {
        foreach (char c in text)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryMode(string text, out SslMode mode)
    {
        mode = text switch
        {
            "disable" => SslMode.Disable,
            "allow" => SslMode.Allow,
            "prefer" => SslMode.Prefer,
            "require" => SslMode.Require,
            "verify-ca" => SslMode.VerifyCA,
            "verify-full" => SslMode.VerifyFull,
            _ => (SslMode)(-1),
        };
        return (int)mode >= 0;
    }
}

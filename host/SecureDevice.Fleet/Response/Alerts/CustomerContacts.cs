using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using SecureDevice.Fleet.Files;
using SecureDevice.Fleet.Pki;

namespace SecureDevice.Fleet.Response.Alerts;

/// <summary>
/// How to reach a customer: a webhook (URL and the secret its signatures use) and e-mail addresses. The secret never
/// appears in <see cref="ToString"/>, in errors or in logs.
/// </summary>
public sealed class CustomerContacts
{
    /// <summary>Shortest webhook secret accepted: 32 bytes (256 bits, the HMAC-SHA256 key size).</summary>
    public const int MinSecretBytes = 32;

    /// <summary>Most e-mail addresses per customer.</summary>
    public const int MaxEmails = 10;

    public CustomerContacts(string customerId, Uri? webhookUrl, byte[]? webhookSecret, IReadOnlyList<string> emails)
    {
        if (!Inventory.IsOwner(customerId))
        {
            throw new FleetException(FleetError.InvalidArgument, "a customer id is 1-64 of [A-Za-z0-9._@-]");
        }

        if ((webhookUrl == null) != (webhookSecret == null))
        {
            throw new FleetException(FleetError.InvalidArgument, "customer " + customerId + ": a webhook needs both a URL and a secret");
        }

        if (webhookUrl != null && !IsWebhookUrl(webhookUrl))
        {
            throw new FleetException(FleetError.InvalidArgument, "customer " + customerId + ": the webhook URL must be absolute https (http only to a loopback address), without user or fragment");
        }

        if (webhookSecret != null && (webhookSecret.Length < MinSecretBytes || webhookSecret.Length > 256))
        {
            throw new FleetException(FleetError.InvalidArgument, "customer " + customerId + ": the webhook secret must be 32..256 bytes");
        }

        if (emails.Count > MaxEmails)
        {
            throw new FleetException(FleetError.InvalidArgument, "customer " + customerId + ": at most " + MaxEmails + " e-mail addresses");
        }

        foreach (string email in emails)
        {
            if (!IsEmail(email))
            {
                throw new FleetException(FleetError.InvalidArgument, "customer " + customerId + ": not an e-mail address: " + Text.Printable.Escape(email));
            }
        }

        CustomerId = customerId;
        WebhookUrl = webhookUrl;
        WebhookSecret = webhookSecret;
        Emails = emails;
    }

    public string CustomerId { get; }

    public Uri? WebhookUrl { get; }

    public byte[]? WebhookSecret { get; }

    public IReadOnlyList<string> Emails { get; }

    /// <summary>Absolute https, or http to a loopback address (tests); no user information, no fragment.</summary>
    public static bool IsWebhookUrl(Uri url)
    {
        if (!url.IsAbsoluteUri || url.UserInfo.Length > 0 || url.Fragment.Length > 0)
        {
            return false;
        }

        return url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && (url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out IPAddress? ip) && IPAddress.IsLoopback(ip))));
    }

    /// <summary>A plain address (local@domain), at most 254 characters, printable ASCII, no display name.</summary>
    public static bool IsEmail(string text)
    {
        if (text.Length < 3 || text.Length > 254)
        {
            return false;
        }

        int at = text.IndexOf('@', StringComparison.Ordinal);
        if (at < 1 || at != text.LastIndexOf('@') || at == text.Length - 1)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c <= ' ' || c >= 0x7f || c is '<' or '>' or '(' or ')' or ',' or ';' or ':' or '\\' or '"' or '[' or ']')
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => CustomerId + " (webhook " + (WebhookUrl != null ? WebhookUrl.GetLeftPart(UriPartial.Path) : "none") + ", " + Emails.Count.ToString(CultureInfo.InvariantCulture) + " e-mail address(es); secret not shown)";
}

/// <summary>Customer contacts by customer id: a file here (<see cref="FileCustomerContacts"/>), the service's database later.</summary>
public interface ICustomerContacts
{
    /// <summary>The contacts of <paramref name="customerId"/>, or null.</summary>
    CustomerContacts? Find(string customerId);
}

/// <summary>Contacts held in memory (tests, or a caller that loads them elsewhere).</summary>
public sealed class MemoryCustomerContacts : ICustomerContacts
{
    private readonly Dictionary<string, CustomerContacts> _contacts = new(StringComparer.Ordinal);

    public MemoryCustomerContacts(params CustomerContacts[] contacts)
    {
        foreach (CustomerContacts contact in contacts)
        {
            _contacts[contact.CustomerId] = contact;
        }
    }

    public CustomerContacts? Find(string customerId)
    {
        lock (_contacts)
        {
            return _contacts.GetValueOrDefault(customerId);
        }
    }

    public void Set(CustomerContacts contacts)
    {
        lock (_contacts)
        {
            _contacts[contacts.CustomerId] = contacts;
        }
    }
}

/// <summary>
/// contacts.json (docs/response.md): <c>{"format":1,"customers":[{"id":"acme","webhook":{"url":"https://…","secret":"base64"},
/// "email":["ops@acme.example"]}]}</c>. It holds webhook secrets, so it must be a regular file of mode 0600 (or 0400):
/// a file others may read is refused. Loading is strict: unknown members, duplicates and malformed values are a
/// <see cref="FleetError.CorruptState"/> error naming the customer, never the secret. Re-read when it changes on disk.
/// </summary>
public sealed class FileCustomerContacts : ICustomerContacts
{
    /// <summary>Largest file read: 4 MiB (tens of thousands of customers).</summary>
    public const long MaxFileBytes = 4L * 1024 * 1024;

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        MaxDepth = 8,
    };

    private readonly string _path;
    private readonly object _gate = new();
    private DateTime _loadedStamp;
    private long _loadedLength = -1;
    private Dictionary<string, CustomerContacts> _byId = new(StringComparer.Ordinal);

    public FileCustomerContacts(string path)
    {
        _path = Path.GetFullPath(path);
        Reload();
    }

    /// <exception cref="FleetException">The file became unsafe or malformed since it was loaded.</exception>
    public CustomerContacts? Find(string customerId)
    {
        lock (_gate)
        {
            var info = new FileInfo(_path);
            if (info.Exists && (info.LastWriteTimeUtc != _loadedStamp || info.Length != _loadedLength))
            {
                Reload();
            }

            return _byId.GetValueOrDefault(customerId);
        }
    }

    /// <summary>Writes <paramref name="contacts"/> to <paramref name="path"/> atomically with mode 0600.</summary>
    public static void Save(string path, IEnumerable<CustomerContacts> contacts)
    {
        var file = new ContactsFile();
        foreach (CustomerContacts contact in contacts)
        {
            file.Customers.Add(new CustomerEntry
            {
                Id = contact.CustomerId,
                Webhook = contact.WebhookUrl == null ? null : new WebhookEntry { Url = contact.WebhookUrl.OriginalString, Secret = Convert.ToBase64String(contact.WebhookSecret!) },
                Email = new List<string>(contact.Emails),
            });
        }

        AtomicFile.Replace(path, JsonSerializer.SerializeToUtf8Bytes(file, Options), AtomicFile.PrivateMode);
    }

    private void Reload()
    {
        if (!OperatingSystem.IsWindows() && SafeFileReader.KindOf(_path, followLinks: true) == FileKind.Regular
            && (File.GetUnixFileMode(_path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            throw new FleetException(FleetError.UnsafeFile, "contacts " + _path + " holds webhook secrets: its mode must be 0600");
        }

        byte[] bytes = SafeFileReader.Read(_path, MaxFileBytes, "contacts");
        var info = new FileInfo(_path);
        ContactsFile? file;
        try
        {
            file = JsonSerializer.Deserialize<ContactsFile>(bytes, Options);
        }
        catch (JsonException error)
        {
            throw new FleetException(FleetError.CorruptState, "contacts " + _path + ": malformed JSON" + (error.Path != null ? " at " + error.Path : string.Empty));
        }

        if (file == null || file.Format != 1 || file.Customers == null)
        {
            throw new FleetException(FleetError.CorruptState, "contacts " + _path + ": expected {\"format\":1,\"customers\":[...]}");
        }

        var byId = new Dictionary<string, CustomerContacts>(StringComparer.Ordinal);
        for (int i = 0; i < file.Customers.Count; i++)
        {
            CustomerEntry? entry = file.Customers[i];
            string where = "customers[" + i.ToString(CultureInfo.InvariantCulture) + "]";
            if (entry?.Id == null || byId.ContainsKey(entry.Id))
            {
                throw new FleetException(FleetError.CorruptState, "contacts " + _path + ": " + where + " has no id or a duplicate one");
            }

            byte[]? secret = null;
            Uri? url = null;
            if (entry.Webhook != null)
            {
                if (entry.Webhook.Url == null || !Uri.TryCreate(entry.Webhook.Url, UriKind.Absolute, out url))
                {
                    throw new FleetException(FleetError.CorruptState, "contacts " + _path + ": " + where + ".webhook.url is not an absolute URL");
                }

                try
                {
                    secret = Convert.FromBase64String(entry.Webhook.Secret ?? string.Empty);
                }
                catch (FormatException)
                {
                    throw new FleetException(FleetError.CorruptState, "contacts " + _path + ": " + where + ".webhook.secret is not base64");
                }
            }

            try
            {
                byId[entry.Id] = new CustomerContacts(entry.Id, url, secret, entry.Email ?? new List<string>());
            }
            catch (FleetException error)
            {
                throw new FleetException(FleetError.CorruptState, "contacts " + _path + ": " + where + ": " + error.Message);
            }
        }

        _byId = byId;
        _loadedStamp = info.LastWriteTimeUtc;
        _loadedLength = info.Length;
    }

    private sealed class ContactsFile
    {
        public int Format { get; set; } = 1;

        public List<CustomerEntry> Customers { get; set; } = new();
    }

    private sealed class CustomerEntry
    {
        public string? Id { get; set; }

        public WebhookEntry? Webhook { get; set; }

        public List<string>? Email { get; set; }
    }

    private sealed class WebhookEntry
    {
        public string? Url { get; set; }

        public string? Secret { get; set; }
    }
}

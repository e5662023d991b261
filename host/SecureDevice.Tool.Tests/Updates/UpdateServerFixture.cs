using System;
using System.Collections.Concurrent;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SecureDevice.TestSupport;
using SecureDevice.Fleet.Updates;

namespace SecureDevice.Tool.Tests.Updates;

/// <summary>
/// A served folder and an <see cref="UpdateServer"/> on 127.0.0.1 for one test class. The folder holds a 10 000-byte
/// payload, a manifest, a nested file and bait that must never be served: a dotfile, a file in a dot-folder, a symbolic
/// link to a file outside the root, and that outside file itself (next to the root, holding <see cref="SecretMarker"/>).
/// </summary>
public sealed class UpdateServerFixture : IDisposable
{
    /// <summary>Content of every file that must never be served.</summary>
    public const string SecretMarker = "TOP-SECRET-NOT-FOR-DEVICES";

    private readonly TemporaryDirectory _folder = new("update-server");
    private readonly X509Certificate2 _certificate;

    public UpdateServerFixture()
    {
        Pki = new UpdateTestPki(_folder.Path);
        Root = _folder.Combine("www");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Path.Combine(Root, "sub"));
        Directory.CreateDirectory(Path.Combine(Root, ".git"));
        Payload = new byte[10_000];
        new Random(2026).NextBytes(Payload);
        File.WriteAllBytes(Path.Combine(Root, "Sensor.App.pe"), Payload);
        File.WriteAllText(Path.Combine(Root, "manifest.json"), "{\"format\":1}");
        File.WriteAllText(Path.Combine(Root, "sub", "nested.pe"), "nested");
        File.WriteAllText(Path.Combine(Root, ".hidden"), SecretMarker);
        File.WriteAllText(Path.Combine(Root, ".git", "config"), SecretMarker);
        File.WriteAllText(_folder.Combine("secret.txt"), SecretMarker);
        File.CreateSymbolicLink(Path.Combine(Root, "link.pe"), _folder.Combine("secret.txt"));

        // Not regular files: a FIFO would hang a request, a device would never end one (docs/safe-files.md).
        SecureDevice.TestSupport.ExternalProcess.Run("mkfifo", new[] { Path.Combine(Root, "pipe.pe") }).EnsureSuccess("mkfifo");
        File.CreateSymbolicLink(Path.Combine(Root, "zero.pe"), "/dev/zero");
        File.CreateSymbolicLink(Path.Combine(Root, "devices"), "/dev");
        using (var huge = new FileStream(Path.Combine(Root, "huge.pe"), FileMode.CreateNew))
        {
            huge.SetLength(64L * 1024 * 1024);
        }
        _certificate = Pki.ServerWithKey();
        Server = UpdateServer.Start(Root, FreePort.Next(), _certificate, "127.0.0.1", Log.Enqueue);
    }

    public UpdateTestPki Pki { get; }

    /// <summary>The served folder.</summary>
    public string Root { get; }

    /// <summary>Content of Sensor.App.pe.</summary>
    public byte[] Payload { get; }

    public UpdateServer Server { get; }

    /// <summary>Every request the server reported, in order.</summary>
    public ConcurrentQueue<UpdateRequest> Log { get; } = new();

    /// <summary>URL of the payload file.</summary>
    public string PayloadUrl => Server.BaseUrl + "Sensor.App.pe";

    /// <summary>A scratch path in the fixture's folder.</summary>
    public string Scratch(string name) => _folder.Combine(name);

    /// <summary>Text of a response body, for "no secret leaked" checks.</summary>
    public static string Text(byte[] body) => Encoding.UTF8.GetString(body);

    public void Dispose()
    {
        Server.Dispose();
        _certificate.Dispose();
        Pki.Dispose();
        _folder.Dispose();
    }
}

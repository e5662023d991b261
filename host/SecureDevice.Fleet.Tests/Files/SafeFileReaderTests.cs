using System;
using System.Diagnostics;
using System.IO;
using SecureDevice.Fleet.Files;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Fleet.Tests.Files;

/// <summary>The safe-file rule (docs/safe-files.md), case by case; every refusal must come at once.</summary>
public sealed class SafeFileReaderTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new("safe-files");

    public void Dispose() => _folder.Dispose();

    private static FleetException Refused(Action read, FleetError expected)
    {
        var watch = Stopwatch.StartNew();
        FleetException error = Assert.Throws<FleetException>(read);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), "refusal took " + watch.Elapsed);
        Assert.Equal(expected, error.Error);
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }

    [Fact]
    public void Read_RegularFile_ReturnsItsBytes()
    {
        File.WriteAllBytes(_folder.Combine("a"), new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 1, 2, 3 }, SafeFileReader.Read(_folder.Combine("a"), 3, "test"));
        Assert.Equal(new byte[] { 1, 2, 3 }, SafeFileReader.ReadContained(_folder.Path, "a", 3, "test"));
    }

    [Fact]
    public void Read_Fifo_RefusedWithoutWaitingForAWriter()
    {
        ExternalProcess.Run("mkfifo", new[] { _folder.Combine("fifo") }).EnsureSuccess("mkfifo");
        Assert.Contains("FIFO", Refused(() => SafeFileReader.Read(_folder.Combine("fifo"), 10, "test"), FleetError.UnsafeFile).Message);
        Refused(() => SafeFileReader.ReadContained(_folder.Path, "fifo", 10, "test"), FleetError.UnsafeFile);
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/urandom")]
    [InlineData("/dev/null")]
    public void Read_Device_RefusedDirectlyAndThroughAnOperatorsLink(string device)
    {
        Assert.Contains("character device", Refused(() => SafeFileReader.Read(device, 10, "test"), FleetError.UnsafeFile).Message);
        File.CreateSymbolicLink(_folder.Combine("link"), device);
        Assert.Contains("character device", Refused(() => SafeFileReader.Read(_folder.Combine("link"), 10, "test"), FleetError.UnsafeFile).Message);
    }

    [Fact]
    public void Read_OperatorsLinkToARegularFile_ReadsTheTarget()
    {
        File.WriteAllBytes(_folder.Combine("target"), new byte[] { 9, 8 });
        File.CreateSymbolicLink(_folder.Combine("link"), _folder.Combine("target"));
        Assert.Equal(new byte[] { 9, 8 }, SafeFileReader.Read(_folder.Combine("link"), 100, "test", FileOrigin.Operator));
    }

    [Fact]
    public void ReadContained_LinkAnywhere_Refused()
    {
        File.WriteAllBytes(_folder.Combine("target"), new byte[] { 9, 8 });
        File.CreateSymbolicLink(_folder.Combine("inside"), "target");
        File.CreateSymbolicLink(_folder.Combine("outside"), "/etc/hostname");
        File.CreateSymbolicLink(_folder.Combine("dangling"), "/no/such/file");
        foreach (string name in new[] { "inside", "outside", "dangling" })
        {
            Assert.Contains("symbolic link", Refused(() => SafeFileReader.ReadContained(_folder.Path, name, 100, "test"), FleetError.UnsafeFile).Message);
        }
    }

    [Fact]
    public void Read_LargerThanTheLimit_RefusedAfterReadingOneByteMore()
    {
        // A sparse 1 GiB file: if the reader trusted nothing but read to the end, this test would take seconds and memory.
        using (var stream = new FileStream(_folder.Combine("huge"), FileMode.CreateNew))
        {
            stream.SetLength(1L << 30);
        }

        Assert.Contains("larger than 4096", Refused(() => SafeFileReader.Read(_folder.Combine("huge"), 4096, "test"), FleetError.UnsafeFile).Message);
        File.WriteAllBytes(_folder.Combine("exact"), new byte[4096]);
        Assert.Equal(4096, SafeFileReader.Read(_folder.Combine("exact"), 4096, "test").Length);
        File.WriteAllBytes(_folder.Combine("over"), new byte[4097]);
        Refused(() => SafeFileReader.Read(_folder.Combine("over"), 4096, "test"), FleetError.UnsafeFile);
    }

    [Fact]
    public void Read_FolderMissingOrSocket_Refused()
    {
        Refused(() => SafeFileReader.Read(_folder.Path, 10, "test"), FleetError.UnsafeFile);
        Refused(() => SafeFileReader.Read(_folder.Combine("absent"), 10, "test"), FleetError.NotFound);
        Refused(() => SafeFileReader.ReadContained(_folder.Path, "../etc/passwd", 10, "test"), FleetError.InvalidArgument);
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(_folder.Combine("sock")));
        Assert.Contains("socket", Refused(() => SafeFileReader.Read(_folder.Combine("sock"), 10, "test"), FleetError.UnsafeFile).Message);
    }

    [Fact]
    public void KindOf_TellsEveryKindWithoutFollowingTheLastLink()
    {
        ExternalProcess.Run("mkfifo", new[] { _folder.Combine("fifo") }).EnsureSuccess("mkfifo");
        File.CreateSymbolicLink(_folder.Combine("link"), "/dev/zero");
        File.WriteAllText(_folder.Combine("file"), "x");
        Assert.Equal(FileKind.Fifo, SafeFileReader.KindOf(_folder.Combine("fifo")));
        Assert.Equal(FileKind.SymbolicLink, SafeFileReader.KindOf(_folder.Combine("link")));
        Assert.Equal(FileKind.CharacterDevice, SafeFileReader.KindOf(_folder.Combine("link"), followLinks: true));
        Assert.Equal(FileKind.Regular, SafeFileReader.KindOf(_folder.Combine("file")));
        Assert.Equal(FileKind.Directory, SafeFileReader.KindOf(_folder.Path));
        Assert.Equal(FileKind.Missing, SafeFileReader.KindOf(_folder.Combine("nothing")));
    }
}

using System;
using System.IO;
using System.Linq;
using System.Text;
using SecureDevice.Fleet.Response;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Fleet.Tests.Response;

public sealed class FileActionAuditTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new("audit");

    public void Dispose() => _folder.Dispose();

    internal static ActionRecord Record(string device, ActionOutcome outcome, string reason = "flood") => new()
    {
        ActionId = "a1", Time = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero), DeviceId = device, Kind = ActionKind.Throttle,
        Actor = "service", Origin = "10.0.0.5", Reason = reason, Outcome = outcome, Status = ActionStatus.Done, Detail = "d",
    };

    [Fact]
    public void Append_ReopenReadsEveryRecordInOrder_FileIs0600()
    {
        string path = _folder.Combine("audit.jsonl");
        using (var audit = new FileActionAudit(path))
        {
            Assert.True(audit.TryAppend(Record("dev-1", ActionOutcome.Started), out ActionRecord first));
            Assert.True(audit.TryAppend(Record("dev-2", ActionOutcome.Done, "quote \" and \u202e bidi"), out ActionRecord second));
            Assert.Equal(1, first.Sequence);
            Assert.Equal(2, second.Sequence);
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using var reopened = new FileActionAudit(path);
        Assert.Equal(new[] { "dev-1", "dev-2" }, reopened.Read().Select(r => r.DeviceId));
        Assert.Equal("quote \" and \u202e bidi", reopened.Read("dev-2").Single().Reason);
        Assert.True(reopened.TryAppend(Record("dev-1", ActionOutcome.Done), out ActionRecord third));
        Assert.Equal(3, third.Sequence);
    }

    [Theory]
    [InlineData("edit")]
    [InlineData("remove")]
    [InlineData("swap")]
    public void Open_ChangedRemovedOrReorderedLine_IsRefusedAsCorrupt(string tamper)
    {
        string path = _folder.Combine("audit.jsonl");
        using (var audit = new FileActionAudit(path))
        {
            foreach (string device in new[] { "dev-1", "dev-2", "dev-3" })
            {
                audit.TryAppend(Record(device, ActionOutcome.Done), out _);
            }
        }

        string[] lines = File.ReadAllLines(path);
        lines = tamper switch
        {
            "edit" => new[] { lines[0].Replace("dev-1", "dev-9", StringComparison.Ordinal), lines[1], lines[2] },
            "remove" => new[] { lines[0], lines[2] },
            _ => new[] { lines[1], lines[0], lines[2] },
        };
        File.WriteAllLines(path, lines);
        FleetException error = Assert.Throws<FleetException>(() => new FileActionAudit(path));
        Assert.Equal(FleetError.CorruptState, error.Error);
    }

    [Fact]
    public void Open_TornLastLine_IsCutOff_AndAppendingGoesOn()
    {
        string path = _folder.Combine("audit.jsonl");
        using (var audit = new FileActionAudit(path))
        {
            audit.TryAppend(Record("dev-1", ActionOutcome.Done), out _);
        }

        File.AppendAllText(path, "{\"seq\":2,\"prev\":\"ab");
        using (var audit = new FileActionAudit(path))
        {
            Assert.Single(audit.Read());
            Assert.True(audit.TryAppend(Record("dev-2", ActionOutcome.Done), out ActionRecord stored));
            Assert.Equal(2, stored.Sequence);
        }

        using var again = new FileActionAudit(path);
        Assert.Equal(2, again.Read().Count);
        Assert.EndsWith("\n", File.ReadAllText(path, Encoding.UTF8), StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AFifoOrFolder_IsRefusedWithoutWaiting()
    {
        Assert.Equal(FleetError.UnsafeFile, Assert.Throws<FleetException>(() => new FileActionAudit(_folder.Path)).Error);
    }
}

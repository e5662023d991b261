using Xunit;

namespace SecureDevice.Tool.Tests;

public sealed class BenchCommandTests
{
    [Theory]
    [InlineData("--devices", "0", "--devices must be an integer 1..20000")]
    [InlineData("--devices", "20001", "--devices must be an integer 1..20000")]
    [InlineData("--rate", "abc", "--rate must be an integer 1..200000")]
    [InlineData("--seconds", "-1", "--seconds must be an integer 1..3600")]
    [InlineData("--database", "mysql://u:hunter2@db/fleet", "the database URL must be postgres://")]
    [InlineData("--rate", "fastest", "--rate must be an integer 1..200000")]
    [InlineData("--window", "0", "--window must be an integer 1..1000")]
    [InlineData("--backlog", "1000001", "--backlog must be an integer 1..1000000")]
    [InlineData("--reports", "2000001", "--reports must be an integer 1..2000000")]
    public void BenchIngest_BadArgument_OneLineExit2_BeforeStartingAnything(string option, string value, string message)
    {
        ToolResult result = ToolRun.Run("bench", "ingest", option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("hunter2", result.Error);
        Assert.DoesNotContain("RESULT", result.Output);
    }

    [Fact]
    public void BenchIngest_MoreReportsThanEncodedAhead_OneLineExit2()
    {
        ToolResult result = ToolRun.Run("bench", "ingest", "--rate", "200000", "--seconds", "11");
        Assert.Equal((2, "securedevice: --rate x --seconds must be at most 2000000 reports (every one is encoded before the run)\n"), (result.ExitCode, result.Error));
    }

    [Fact]
    public void BenchIngest_BacklogAndWarmup_Exclude()
    {
        ToolResult result = ToolRun.Run("bench", "ingest", "--backlog", "1000", "--warmup-seconds", "3");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("securedevice: --backlog and --warmup-seconds exclude each other", result.Error);
    }

    [Fact]
    public void BenchIngest_DatabaseAndThrowawayPostgres_Exclude()
    {
        ToolResult result = ToolRun.Run("bench", "ingest", "--database", "postgres://u@127.0.0.1/db", "--throwaway-postgres");
        Assert.Equal((2, "securedevice: --database and --throwaway-postgres exclude each other\n"), (result.ExitCode, result.Error));
    }
}

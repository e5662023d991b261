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
    public void BenchIngest_DatabaseAndThrowawayPostgres_Exclude()
    {
        ToolResult result = ToolRun.Run("bench", "ingest", "--database", "postgres://u@127.0.0.1/db", "--throwaway-postgres");
        Assert.Equal((2, "securedevice: --database and --throwaway-postgres exclude each other\n"), (result.ExitCode, result.Error));
    }
}

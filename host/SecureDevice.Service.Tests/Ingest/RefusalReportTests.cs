using System.Text;
using SecureDevice.Service.Ingest;
using Xunit;

namespace SecureDevice.Service.Tests.Ingest;

/// <summary>The strict decoder of the refusal counter's reports (docs/service.md, "Publishes refused by the broker").</summary>
public sealed class RefusalReportTests
{
    private const string Topic = "$SYS/broker/securedevice/refused/dev-001";
    private const string Good = "{\"v\":1,\"refused\":2,\"bytes\":9,\"first_topic\":\"a\",\"first_topic_len\":1,\"last_topic\":\"b/c\",\"last_topic_len\":3,\"start_ms\":10,\"end_ms\":20}";

    [Fact]
    public void TryParse_TheCountersReport_Decoded()
    {
        Assert.Equal(RefusalParseStatus.Client, RefusalReport.TryParse(Topic, Encoding.UTF8.GetBytes(Good), out RefusalReport? report, out _));
        Assert.Equal(("dev-001", 2L, 9L, "a", "b/c", 10L, 20L), (report!.ClientId, report.Refused, report.Bytes, report.FirstTopic, report.LastTopic, report.StartMs, report.EndMs));
    }

    [Fact]
    public void TryParse_TheOverflowReport_Decoded()
    {
        string payload = "{\"v\":1,\"clients\":7,\"refused\":14,\"bytes\":28,\"start_ms\":10,\"end_ms\":20}";
        Assert.Equal(RefusalParseStatus.Overflow, RefusalReport.TryParse("$SYS/broker/securedevice/refused/%overflow", Encoding.UTF8.GetBytes(payload), out RefusalReport? report, out _));
        Assert.Equal((null, 7L, 14L), (report!.ClientId, report.Clients, report.Refused));
    }

    [Theory]
    [InlineData("{\"v\":1,\"refused\":2,\"refused\":2,\"bytes\":9,\"first_topic\":\"a\",\"first_topic_len\":1,\"last_topic\":\"b\",\"last_topic_len\":1,\"start_ms\":10,\"end_ms\":20}")] // a field twice
    [InlineData("{\"v\":1,\"refused\":2,\"bytes\":9,\"first_topic\":\"a\",\"first_topic_len\":1,\"last_topic\":\"b\",\"last_topic_len\":1,\"start_ms\":10}")] // end_ms missing
    [InlineData("{\"v\":1,\"refused\":2,\"bytes\":9,\"first_topic\":\"a\",\"first_topic_len\":1,\"last_topic\":\"b\",\"last_topic_len\":1,\"start_ms\":10,\"end_ms\":20,\"x\":1}")] // unknown field
    [InlineData("{\"v\":2,\"refused\":2,\"bytes\":9,\"first_topic\":\"a\",\"first_topic_len\":1,\"last_topic\":\"b\",\"last_topic_len\":1,\"start_ms\":10,\"end_ms\":20}")] // unknown version
    [InlineData("{\"v\":1,\"refused\":0,\"bytes\":9,\"first_topic\":\"a\",\"first_topic_len\":1,\"last_topic\":\"b\",\"last_topic_len\":1,\"start_ms\":10,\"end_ms\":20}")] // nothing refused
    [InlineData("{\"v\":1,\"refused\":-2,\"bytes\":9,\"first_topic\":\"a\",\"first_topic_len\":1,\"last_topic\":\"b\",\"last_topic_len\":1,\"start_ms\":10,\"end_ms\":20}")] // negative
    [InlineData("{\"v\":1,\"refused\":\"2\",\"bytes\":9,\"first_topic\":\"a\",\"first_topic_len\":1,\"last_topic\":\"b\",\"last_topic_len\":1,\"start_ms\":10,\"end_ms\":20}")] // a string count
    [InlineData("{\"v\":1,\"refused\":2,\"bytes\":9,\"first_topic\":1,\"first_topic_len\":1,\"last_topic\":\"b\",\"last_topic_len\":1,\"start_ms\":10,\"end_ms\":20}")] // a number topic
    [InlineData("{\"v\":1,\"refused\":2,\"bytes\":9,\"first_topic\":\"a\",\"first_topic_len\":1,\"last_topic\":\"b\",\"last_topic_len\":1,\"start_ms\":30,\"end_ms\":20}")] // ends before it starts
    [InlineData("{\"v\":1,\"refused\":2,\"bytes\":9,\"first_topic\":\"a\",\"first_topic_len\":1,\"last_topic\":{\"x\":1},\"last_topic_len\":1,\"start_ms\":10,\"end_ms\":20}")] // nested
    [InlineData("{\"v\":1,\"refused\":2.5,\"bytes\":9,\"first_topic\":\"a\",\"first_topic_len\":1,\"last_topic\":\"b\",\"last_topic_len\":1,\"start_ms\":10,\"end_ms\":20}")] // not whole
    [InlineData("{\"v\":1,\"refused\":2,\"bytes\":9,\"first_topic\":\"a\",\"first_topic_len\":1,\"last_topic\":\"b\",\"last_topic_len\":1,\"start_ms\":10,\"end_ms\":20} {}")] // trailing data
    [InlineData("[1]")]
    [InlineData("not json")]
    public void TryParse_NotTheDocumentedReport_Malformed(string payload)
    {
        Assert.Equal(RefusalParseStatus.Malformed, RefusalReport.TryParse(Topic, Encoding.UTF8.GetBytes(payload), out RefusalReport? report, out string detail));
        Assert.Null(report);
        Assert.NotEmpty(detail);
    }

    [Theory]
    [InlineData("$SYS/broker/securedevice/refused/")] // empty name (the empty id is "%")
    [InlineData("$SYS/broker/securedevice/refused/a%2")] // cut escape
    [InlineData("$SYS/broker/securedevice/refused/a%41")] // an escape the counter never writes ('A')
    [InlineData("$SYS/broker/securedevice/refused/a%2f")] // lower-case hex: not the counter's
    [InlineData("$SYS/broker/securedevice/refused/%~12")] // a short hash
    [InlineData("$SYS/broker/securedevice/other/dev-001")]
    public void TryParse_TopicNotTheCountersForm_Malformed(string topic)
    {
        Assert.Equal(RefusalParseStatus.Malformed, RefusalReport.TryParse(topic, Encoding.UTF8.GetBytes(Good), out _, out _));
    }
}

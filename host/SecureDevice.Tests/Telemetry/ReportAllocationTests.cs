using System;
using SecureDevice.Core.Application;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using SecureDevice.Doubles;
using SecureDevice.Core.Text;
using SecureDevice.Core.Time;
using SecureDevice.TestSupport;

namespace SecureDevice.Tests.Telemetry;

/// <summary>Allocation per health report on the host, measured through the whole agent path (sample, encode, limit, publish).</summary>
public sealed class ReportAllocationTests
{
    private readonly ITestOutputHelper _output;

    public ReportAllocationTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData("cbor")]
    [InlineData("json")]
    public void AgentReports_AllocateNothingAfterWarmUp(string format)
    {
        var transport = new SilentTransport();
        string json = TestConfig.Json("dev-001");
        string config = json[..^1] + ",\"telemetryFormat\":\"" + format + "\"}";
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(config);
        Assert.Equal(Core.Text.DocumentStatus.Valid, new Core.Config.DeviceConfigParser().TryParse(bytes, 0, bytes.Length, out Core.Config.DeviceConfig? parsed));
        var store = new MemoryFileStore();
        var agent = new DeviceAgent(parsed!, transport, store, new BackoffConfig(), new FakeHealthSource(), Core.Boot.BootSession.Begin(store, false));
        agent.Start(0);

        // Warm-up: connect, become stable (persisted once), send a few reports.
        long now = Run(agent, 0, 3_600_000);
        int reportsBefore = agent.HealthReportsAcknowledged;
        int reports = 0;
        long allocated = AllocationProbe.FewestBytes(() =>
        {
            now = Run(agent, now, 12 * 3_600_000L);
            reports = agent.HealthReportsAcknowledged - reportsBefore;
            reportsBefore = agent.HealthReportsAcknowledged;
        }, 3);
        Assert.True(reports > 120, reports + " reports");
        _output.WriteLine(format + ": " + reports + " reports, " + allocated + " bytes allocated, " + (allocated / (double)reports) + " per report; report size " + agent.LastReportLength);
        Assert.Equal(0, allocated);
    }

    // The platform's one step input, made before the measurement and refreshed at each step.
    private readonly StepInput _input = new();

    private long Run(DeviceAgent agent, long now, long duration)
    {
        long end = now + duration;
        while (now < end)
        {
            long sleep = agent.Step(_input.Set(now, TestConfig.Utc + (now / 1000), true, (uint)now));
            now += Math.Max(1, sleep);
        }

        return now;
    }

    /// <summary>A connected transport that acknowledges every QoS 1 publish and allocates nothing.</summary>
    private sealed class SilentTransport : IMqttTransport
    {
        private readonly int[] _acks = new int[64];
        private int _head;
        private int _count;
        private int _next = 1;

        public bool IsConnected { get; private set; }

        public int InboundDropped => 0;

        public void Connect(MqttConnectOptions options, ConnectResult result)
        {
            IsConnected = true;
            result.Connected = true;
        }

        public TransportStatus Subscribe(string topicFilter) => TransportStatus.Ok;

        public TransportStatus Publish(string topic, byte[] payload, int offset, int count, int qos, bool retain, out int messageId)
        {
            messageId = qos == 1 ? _next++ : 0;
            if (qos == 1 && _count < _acks.Length)
            {
                _acks[(_head + _count++) % _acks.Length] = messageId;
            }

            return TransportStatus.Ok;
        }

        public bool TryReceive(InboundMessage message) => false;

        public bool TryTakeAcknowledged(out int messageId)
        {
            messageId = 0;
            if (_count == 0)
            {
                return false;
            }

            messageId = _acks[_head];
            _head = (_head + 1) % _acks.Length;
            _count--;
            return true;
        }

        public void Disconnect() => IsConnected = false;
    }
}

using System;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet.Diagnostics.PacketInspection;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Integration;

namespace SecureDevice.Service.Tests.Ingest;

/// <summary>Counts the PUBLISH packets MQTTnet's adapter decoded (its packet inspector), from the first connection on.</summary>
internal sealed class PacketCounter : IServiceAttachment
{
    private FleetService? _service;
    private long _inspected;

    public double PeakOutsideBudget { get; private set; }

    public double PeakUnacknowledged { get; private set; }

    public void Attach(FleetService service)
    {
        _service = service;
        service.Mqtt.Client.InspectPacketAsync += OnPacket; // before the first connect: the inspector sees every packet
    }

    public Task RunAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private Task OnPacket(InspectMqttPacketEventArgs e)
    {
        if (e.Direction == MqttPacketFlowDirection.Inbound && e.Buffer.Length > 0 && e.Buffer[0] >> 4 == 3)
        {
            long inspected = Interlocked.Increment(ref _inspected);
            double taken = _service!.Metrics.Received.Value;
            double acknowledged = taken - _service.Metrics.QueueDepth.Value;
            PeakOutsideBudget = Math.Max(PeakOutsideBudget, inspected - taken);
            PeakUnacknowledged = Math.Max(PeakUnacknowledged, inspected - acknowledged);
        }

        return Task.CompletedTask;
    }
}

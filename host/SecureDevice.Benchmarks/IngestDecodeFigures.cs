using System;
using System.Diagnostics;
using System.Globalization;
using SecureDevice.Fleet.Telemetry;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Ingest;

namespace SecureDevice.Benchmarks;

/// <summary>
/// The fleet service's per-report decode cost, deterministic where it can be: bytes allocated on the calling thread per
/// report by the strict health decoder alone and by the writer's per-message preparation (topic, decode, the row's values), and the
/// time per report (single thread; noisy on a shared machine). The report is the ingest bench's (<see cref="HealthReports.Cbor"/>).
/// </summary>
internal static class IngestDecodeFigures
{
    public static int Run(double seconds)
    {
        byte[] payload = HealthReports.Cbor(3, 1234);
        var message = new InboundMessage { Topic = "devices/bench-00001/up/health", Payload = payload, ReceivedMs = 1_700_000_000_000 };
        if (HealthDecoder.TryDecode(payload, out _, out string detail) != HealthDecodeStatus.Decoded || PreparedMessage.Of(message).Row is null)
        {
            Console.Error.WriteLine("securedevice-bench: the bench report does not decode: " + detail);
            return 1;
        }

        double decodeBytes = BytesPer(() => HealthDecoder.TryDecode(payload, out _, out _));
        double prepareBytes = BytesPer(() => PreparedMessage.Of(message));
        double decodeNs = NanosecondsPer(() => HealthDecoder.TryDecode(payload, out _, out _), seconds);
        double prepareNs = NanosecondsPer(() => PreparedMessage.Of(message), seconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT decode_alloc_bytes_per_report={decodeBytes:0} prepare_alloc_bytes_per_report={prepareBytes:0} decode_ns_per_report={decodeNs:0} prepare_ns_per_report={prepareNs:0} payload_bytes={payload.Length}"));
        return 0;
    }

    private static double BytesPer(Action action)
    {
        const int Runs = 10_000;
        for (int i = 0; i < 100; i++)
        {
            action();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Runs; i++)
        {
            action();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Runs;
    }

    private static double NanosecondsPer(Action action, double seconds)
    {
        for (int i = 0; i < 10_000; i++)
        {
            action();
        }

        var watch = Stopwatch.StartNew();
        long runs = 0;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            for (int i = 0; i < 1000; i++)
            {
                action();
            }

            runs += 1000;
        }

        return watch.Elapsed.TotalMilliseconds * 1e6 / runs;
    }
}

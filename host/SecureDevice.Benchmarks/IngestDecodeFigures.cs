using System;
using System.Diagnostics;
using System.Globalization;
using SecureDevice.Fleet.Telemetry;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;

namespace SecureDevice.Benchmarks;

/// <summary>
/// The fleet service's per-report decode cost, deterministic where it can be: bytes allocated on the calling thread per
/// report by the strict health decoder alone and by the writer's per-message preparation (topic, decode, the row's values), and the
/// time per report (single thread; noisy on a shared machine). The report is the ingest bench's (<see cref="HealthReports.Cbor"/>).
/// A second line gives the detection feed's cost (<c>--detection-feed database</c>): the body of a full batch of 2,000
/// such reports from 1,000 devices, its bytes per report, and the time to encode it (the ingest writer, inside its
/// transaction) and to decode it (the lease holder, decoding every report again with the strict decoder).
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

        const int BatchReports = 2000;
        HealthDecoder.TryDecode(payload, out DecodedHealthReport? decoded, out _);
        var reports = new StoredReport[BatchReports];
        for (int i = 0; i < BatchReports; i++)
        {
            string device = "bench-" + (i % 1000).ToString("D5", CultureInfo.InvariantCulture);
            reports[i] = new StoredReport(device, "customer-" + (i % 20).ToString(CultureInfo.InvariantCulture), 1_700_000_000_000 + i, 3, 1234 + (i / 1000), payload.Length, decoded!) { Payload = payload };
        }

        var batch = new CommittedBatch(reports, Array.Empty<StoredEvent>(), Array.Empty<IngestRejection>(), 1_700_000_001_000);
        byte[] body = DetectionFeedCodec.Encode(batch);
        if (DetectionFeedCodec.Decode(body).Reports.Count != BatchReports)
        {
            Console.Error.WriteLine("securedevice-bench: the feed body does not decode to the batch");
            return 1;
        }

        double encodeUs = NanosecondsPer(() => DetectionFeedCodec.Encode(batch), seconds, 10, 10) / 1000;
        double decodeUs = NanosecondsPer(() => DetectionFeedCodec.Decode(body), seconds, 10, 10) / 1000;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT feed_batch_reports={BatchReports} feed_body_bytes={body.Length} feed_bytes_per_report={body.Length / (double)BatchReports:0.0} feed_encode_us_per_batch={encodeUs:0} feed_decode_us_per_batch={decodeUs:0}"));
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

    private static double NanosecondsPer(Action action, double seconds, int warmup = 10_000, int step = 1000)
    {
        for (int i = 0; i < warmup; i++)
        {
            action();
        }

        var watch = Stopwatch.StartNew();
        long runs = 0;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            for (int i = 0; i < step; i++)
            {
                action();
            }

            runs += step;
        }

        return watch.Elapsed.TotalMilliseconds * 1e6 / runs;
    }
}

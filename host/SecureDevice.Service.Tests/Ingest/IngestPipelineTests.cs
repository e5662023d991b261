using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using SecureDevice.Fleet.Telemetry;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Registry;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.Storage;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Ingest;

/// <summary>
/// The writer's batching against a real database of each dialect: one transaction per batch, PUBACKs only after that
/// transaction committed and in delivery order (also while the writer commits the next batch and the acknowledger
/// sends the previous one's PUBACKs), a failed commit acknowledges nothing, and a batch mixing good, duplicate and bad
/// messages stores the good ones once and counts the rest against the device.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class IngestPipelineTests : IDisposable
{
    private const string Device = "dev-001";
    private const string Topic = "devices/" + Device + "/up/health";
    private readonly PostgresFixture _postgres;
    private readonly TemporaryDirectory _folder = new("pipeline");

    public IngestPipelineTests(PostgresFixture postgres) => _postgres = postgres;

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ProcessAsync_CommitFailsTwice_AcknowledgesNothingUntilTheBatchCommits_ThenEveryMessageInDeliveryOrder(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            var acks = new ConcurrentQueue<int>();
            var gate = new GatedStore(store) { FailuresLeft = 2 };
            var acksAtAttempt = new List<int>();
            gate.BeforeCommit = _ => acksAtAttempt.Add(acks.Count);
            IngestPipeline pipeline = await PipelineAsync(store, gate);
            InboundMessage[] messages = Enumerable.Range(1, 3).Select(i => Message(HealthReports.Cbor(1, i), acks, i - 1)).ToArray();

            await pipeline.ProcessAsync(messages, CancellationToken.None);

            Assert.Equal(new[] { 0, 0, 0 }, acksAtAttempt); // two failed attempts, then the commit: no PUBACK before it
            Assert.Equal(new[] { 0, 1, 2 }, acks.ToArray());
            Assert.Equal(3, (await store.ListHealthAsync(Device, 0, long.MaxValue, 100, CancellationToken.None)).Count);
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ProcessAsync_BatchWithDuplicateAndBadPayload_StoresTheGoodOnesOnce_CountsTheRest_AcknowledgesAll(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            var acks = new ConcurrentQueue<int>();
            var gate = new GatedStore(store);
            IngestPipeline pipeline = await PipelineAsync(store, gate);
            InboundMessage[] messages =
            {
                Message(HealthReports.Cbor(1, 5), acks, 0),
                Message(HealthReports.Cbor(1, 5), acks, 1), // the device sent it twice
                Message(new byte[] { 0xA1, 0x00 }, acks, 2), // a map missing its value: not strict CBOR
                Message(HealthReports.Cbor(1, 6), acks, 3),
            };

            await pipeline.ProcessAsync(messages, CancellationToken.None);

            Assert.Equal(1, gate.Attempts); // one batch, one transaction
            Assert.Equal(new[] { 0, 1, 2, 3 }, acks.ToArray()); // everything judged and committed is acknowledged
            Assert.Equal(new long[] { 5, 6 }, (await store.ListHealthAsync(Device, 0, long.MaxValue, 100, CancellationToken.None)).Select(h => h.Seq).Order().ToArray());
            IReadOnlyList<CounterRecord> counters = await store.ListCountersAsync(Device, 0, CancellationToken.None);
            Assert.Equal(1, counters.Single(c => c.Reason == IngestReason.Duplicate.Code()).Count);
            Assert.Equal(1, counters.Single(c => c.Reason == IngestReason.MalformedCbor.Code()).Count);
            Assert.Equal(2, counters.Sum(c => c.Count));
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task RunAsync_CommitAndAcknowledgementsOverlap_EveryPubackFollowsItsOwnCommit_InDeliveryOrder(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            const int Count = 400;
            var committed = new ConcurrentDictionary<long, bool>();
            var acks = new ConcurrentQueue<int>();
            var violations = new ConcurrentQueue<int>();
            var gate = new GatedStore(store) { FailuresLeft = 1 };
            gate.AfterCommit = batch =>
            {
                foreach (HealthRow row in batch.Health)
                {
                    committed[row.Seq] = true;
                }
            };
            IngestPipeline pipeline = await PipelineAsync(store, gate, new IngestOptions { MaxBatch = 16, Limits = new FairLimits { DevicePerHour = 1_000_000, DeviceBurst = 1_000_000 } });
            using var stop = new CancellationTokenSource();
            Task writer = pipeline.RunAsync(stop.Token);
            for (int i = 0; i < Count; i++)
            {
                int index = i;
                long seq = i + 1;
                await pipeline.EnqueueAsync(new InboundMessage
                {
                    Topic = Topic,
                    Payload = HealthReports.Cbor(1, seq),
                    ReceivedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                    Acknowledge = async _ =>
                    {
                        if (!committed.ContainsKey(seq))
                        {
                            violations.Enqueue(index);
                        }

                        acks.Enqueue(index);
                        await Task.Delay(index % 7 == 0 ? 2 : 0); // a slow PUBACK now and then: the writer moves on meanwhile
                    },
                }, CancellationToken.None);
            }

            await ServiceLabWait(() => acks.Count == Count, TimeSpan.FromSeconds(60));
            stop.Cancel();
            await writer;

            Assert.Empty(violations);
            Assert.Equal(Enumerable.Range(0, Count), acks.ToArray());
            Assert.True(pipeline.Batches > 1, "the messages were committed in more than one batch");
            Assert.Equal(Count, (await store.ListHealthAsync(Device, 0, long.MaxValue, Count + 10, CancellationToken.None)).Count);
        }
    }

    [Fact]
    public async Task ProcessAsync_PubacksOfABatch_IssuedWithoutWaitingForEachOther_InDeliveryOrder_AfterTheCommit()
    {
        var (store, _) = await StoreFactory.OpenAsync("sqlite", _postgres, _folder);
        await using (store)
        {
            const int Count = 5;
            var issued = new ConcurrentQueue<int>();
            var allIssued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var gate = new GatedStore(store);
            int committedRows = 0;
            var atIssue = new ConcurrentQueue<int>();
            gate.AfterCommit = batch => committedRows = batch.Health.Count;
            IngestPipeline pipeline = await PipelineAsync(store, gate);
            InboundMessage[] messages = Enumerable.Range(0, Count).Select(i => new InboundMessage
            {
                Topic = Topic,
                Payload = HealthReports.Cbor(1, i + 1),
                ReceivedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                Acknowledge = _ =>
                {
                    // A PUBACK whose write completes only once every PUBACK of the batch was handed over: awaiting each in
                    // turn would never get past the first.
                    atIssue.Enqueue(committedRows);
                    issued.Enqueue(i);
                    if (issued.Count == Count)
                    {
                        allIssued.TrySetResult();
                    }

                    return allIssued.Task;
                },
            }).ToArray();

            await pipeline.ProcessAsync(messages, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(Enumerable.Range(0, Count), issued.ToArray());
            Assert.All(atIssue, rows => Assert.Equal(Count, rows)); // each handed over after the batch committed
        }
    }

    [Fact]
    public async Task EnqueueAsync_PastTheByteBudget_Waits_HoldsAtMostTheBudget_ThenEveryMessageCommittedAndAcknowledgedOnce()
    {
        var (store, _) = await StoreFactory.OpenAsync("sqlite", _postgres, _folder);
        await using (store)
        {
            var acks = new ConcurrentQueue<int>();
            IngestPipeline pipeline = await PipelineAsync(store, new GatedStore(store), new IngestOptions { QueueBytes = 1 << 20, Limits = new FairLimits { DevicePerHour = 1_000_000, DeviceBurst = 1_000_000 } });
            InboundMessage[] messages = Enumerable.Range(0, 2000).Select(i => Message(HealthReports.Cbor(1, i + 1), acks, i)).ToArray();
            int fit = 0;
            for (long sum = messages[0].RetainedBytes; sum <= 1 << 20; sum += messages[++fit].RetainedBytes)
            {
            }

            // No writer yet: the queue takes what the budget allows (~950 reports), then the delivery loop (one caller
            // awaiting each message in turn, as MQTTnet delivers) waits.
            int enqueued = 0;
            Task delivery = Task.Run(async () =>
            {
                foreach (InboundMessage message in messages)
                {
                    await pipeline.EnqueueAsync(message, CancellationToken.None);
                    Interlocked.Increment(ref enqueued);
                }
            });
            await ServiceLabWait(() => Volatile.Read(ref enqueued) == fit, TimeSpan.FromSeconds(30));
            await Task.Delay(300);

            Assert.Equal(fit, Volatile.Read(ref enqueued));
            Assert.False(delivery.IsCompleted);
            Assert.True(pipeline.HeldBytes <= 1 << 20, pipeline.HeldBytes + " bytes held");

            // The writer commits and acknowledges; the bytes come back and the delivery loop goes on.
            using var stop = new CancellationTokenSource();
            Task writer = pipeline.RunAsync(stop.Token);
            await delivery.WaitAsync(TimeSpan.FromSeconds(60));
            await ServiceLabWait(() => acks.Count == messages.Length, TimeSpan.FromSeconds(60));
            stop.Cancel();
            await writer;

            Assert.Equal(Enumerable.Range(0, messages.Length), acks.ToArray());
            Assert.Equal(0, pipeline.HeldBytes);
            Assert.Equal(messages.Length, (await store.ListHealthAsync(Device, 0, long.MaxValue, 5000, CancellationToken.None)).Count);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData((1L << 20) - 1)]
    [InlineData((1L << 30) + 1)]
    public async Task Constructor_QueueBytesOutOfRange_Refused(long bytes)
    {
        var (store, _) = await StoreFactory.OpenAsync("sqlite", _postgres, _folder);
        await using (store)
        {
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => PipelineAsync(store, store, new IngestOptions { QueueBytes = bytes }));
        }
    }

    [Fact]
    public async Task RunAsync_BatchNotFull_LingersForMore_ThenCommitsThemInOneTransaction()
    {
        var (store, _) = await StoreFactory.OpenAsync("sqlite", _postgres, _folder);
        await using (store)
        {
            var acks = new ConcurrentQueue<int>();
            var gate = new GatedStore(store);
            IngestPipeline pipeline = await PipelineAsync(store, gate, new IngestOptions { BatchLinger = TimeSpan.FromSeconds(3) });
            using var stop = new CancellationTokenSource();
            Task writer = pipeline.RunAsync(stop.Token);
            for (int i = 0; i < 3; i++)
            {
                await pipeline.EnqueueAsync(Message(HealthReports.Cbor(1, i + 1), acks, i), CancellationToken.None);
                await Task.Delay(100); // each arrives while the first one's batch is still open
            }

            await ServiceLabWait(() => acks.Count == 3, TimeSpan.FromSeconds(30));
            stop.Cancel();
            await writer;

            Assert.Equal(1, gate.Attempts);
            Assert.Equal(1, pipeline.Batches);
            Assert.Equal(new[] { 0, 1, 2 }, acks.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task RunAsync_DatabaseDown_MessagesHeldUnacknowledged_ThenEachCommittedOnceInOrderWhenItReturns(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            var gate = new GatedStore(store) { FailuresLeft = int.MaxValue };
            IngestPipeline pipeline = await PipelineAsync(store, gate, new IngestOptions
            {
                MaxBatch = 4,
                BatchLinger = TimeSpan.Zero,
                Limits = new FairLimits { DevicePerHour = 1_000_000, DeviceBurst = 1_000_000 },
            });
            var acks = new ConcurrentQueue<int>();
            InboundMessage[] messages = Enumerable.Range(0, 12).Select(i => Message(HealthReports.Cbor(1, i + 1), acks, i)).ToArray();
            using var stop = new CancellationTokenSource();
            Task writer = pipeline.RunAsync(stop.Token);
            foreach (InboundMessage message in messages)
            {
                await pipeline.EnqueueAsync(message, CancellationToken.None);
            }

            // The writer retries its first batch (4); the other 8 wait in the receive queue.
            await ServiceLabWait(() => gate.Attempts >= 3, TimeSpan.FromSeconds(30));
            await Task.Delay(200);
            Assert.True(pipeline.DatabaseFailing);
            Assert.False(pipeline.Faulted);
            Assert.Empty(acks);
            Assert.Empty(await store.ListHealthAsync(Device, 0, long.MaxValue, 100, CancellationToken.None));

            gate.FailuresLeft = 0; // the database is back
            await ServiceLabWait(() => acks.Count == messages.Length, TimeSpan.FromSeconds(30));
            Assert.False(pipeline.DatabaseFailing);
            stop.Cancel();
            await writer.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.False(pipeline.Faulted);
            Assert.Equal(Enumerable.Range(0, messages.Length), acks.ToArray());
            Assert.Equal(Enumerable.Range(1, messages.Length).Select(i => (long)i), (await store.ListHealthAsync(Device, 0, long.MaxValue, 100, CancellationToken.None)).Select(h => h.Seq).Order());
            Assert.Empty(await store.ListCountersAsync(Device, 0, CancellationToken.None)); // nothing counted as a duplicate or failure
        }
    }

    [Fact]
    public async Task RunAsync_DatabaseDown_ServiceStops_EndsCleanlyWithoutAcknowledgingAnything()
    {
        var (store, _) = await StoreFactory.OpenAsync("sqlite", _postgres, _folder);
        await using (store)
        {
            var gate = new GatedStore(store) { FailuresLeft = int.MaxValue };
            IngestPipeline pipeline = await PipelineAsync(store, gate, new IngestOptions { MaxBatch = 2, BatchLinger = TimeSpan.Zero });
            var acks = new ConcurrentQueue<int>();
            using var stop = new CancellationTokenSource();
            Task writer = pipeline.RunAsync(stop.Token);
            for (int i = 0; i < 8; i++)
            {
                await pipeline.EnqueueAsync(Message(HealthReports.Cbor(1, i + 1), acks, i), CancellationToken.None);
            }

            await ServiceLabWait(() => gate.Attempts >= 2, TimeSpan.FromSeconds(30));
            stop.Cancel();
            await writer.WaitAsync(TimeSpan.FromSeconds(30)); // the writer in its backoff ends

            Assert.Empty(acks);
            Assert.False(pipeline.Faulted);
        }
    }

    [Fact]
    public async Task RunAsync_JudgeFailsOnABug_WriterStopsFaulted_TheMessagesBeforeItCommittedAndAcknowledged_NoneAfter()
    {
        var (store, _) = await StoreFactory.OpenAsync("sqlite", _postgres, _folder);
        await using (store)
        {
            var gate = new GatedStore(store);
            IngestPipeline pipeline = await PipelineAsync(store, gate, new IngestOptions
            {
                MaxBatch = 1,
                BatchLinger = TimeSpan.Zero,
                Limits = new FairLimits { DevicePerHour = 1_000_000, DeviceBurst = 1_000_000 },
            });
            var acks = new ConcurrentQueue<int>();
            InboundMessage[] messages = Enumerable.Range(0, 6).Select(i => Message(HealthReports.Cbor(1, i + 1), acks, i)).ToArray();
            foreach (InboundMessage message in messages)
            {
                await pipeline.EnqueueAsync(message, CancellationToken.None);
            }

            // A bug the writer meets on the fourth message: its topic gone once queued (TopicLayout throws on null).
            typeof(InboundMessage).GetProperty(nameof(InboundMessage.Topic))!.SetValue(messages[3], null);

            Task writer = pipeline.RunAsync(CancellationToken.None);

            await Assert.ThrowsAsync<NullReferenceException>(() => writer.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.True(pipeline.Faulted);
            Assert.Equal(new[] { 0, 1, 2 }, acks.ToArray());
            Assert.Equal(new long[] { 1, 2, 3 }, (await store.ListHealthAsync(Device, 0, long.MaxValue, 100, CancellationToken.None)).Select(h => h.Seq).Order());
            // The fifth and sixth stay in the receive queue, unacknowledged: the broker delivers them after the restart.
        }
    }

    [Fact]
    public async Task RunAsync_AcknowledgerFailsOnABug_WriterStopsAtOnceFaulted_WithoutWaitingForAnotherMessage()
    {
        var (store, _) = await StoreFactory.OpenAsync("sqlite", _postgres, _folder);
        await using (store)
        {
            var gate = new GatedStore(store);
            int generations = 0;
            IngestPipeline pipeline = await PipelineAsync(store, gate, new IngestOptions { MaxBatch = 1, BatchLinger = TimeSpan.Zero },
                () => Interlocked.Increment(ref generations) == 2 ? throw new InvalidCastException("injected bug") : 0);
            var acks = new ConcurrentQueue<int>();
            Task writer = pipeline.RunAsync(CancellationToken.None);
            await pipeline.EnqueueAsync(Message(HealthReports.Cbor(1, 1), acks, 0), CancellationToken.None);
            await ServiceLabWait(() => acks.Count == 1, TimeSpan.FromSeconds(30));
            await pipeline.EnqueueAsync(Message(HealthReports.Cbor(1, 2), acks, 1), CancellationToken.None);

            // No third message: the writer, idle, must still notice that its acknowledger ended.
            await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.True(pipeline.Faulted);
            Assert.Equal(new[] { 0 }, acks.ToArray());
            // The second is committed but never acknowledged: the broker delivers it again after the restart, stored once.
            Assert.Equal(2, (await store.ListHealthAsync(Device, 0, long.MaxValue, 100, CancellationToken.None)).Count);
        }
    }

    /// <summary>
    /// The customer's bucket through the real pipeline and limiter: four devices of acme, each sending half its own
    /// burst (5 of 10), together send twice acme's share (4 x 10 x 0.25 = 10). The eleventh acme message on is refused
    /// rate-limited-customer and counted against the device that sent it; globex's device, interleaved in the same
    /// batch, is admitted in full; no device is device-limited; every message is acknowledged. The rate (60 per hour)
    /// refills nothing while the test runs. SQLite alone: the limiter is the same over either database.
    /// </summary>
    [Fact]
    public async Task ProcessAsync_CustomerDevicesOverTheCustomerShare_ExcessRefusedCustomerLimitedPerDevice_OtherCustomerAdmittedInFull()
    {
        var (store, _) = await StoreFactory.OpenAsync("sqlite", _postgres, _folder);
        await using (store)
        {
            string[] acme = { "acme-1", "acme-2", "acme-3", "acme-4" };
            var devices = acme.Select(id => (id, (string?)"acme")).Append(("globex-1", "globex")).ToArray();
            IngestPipeline pipeline = await PipelineAsync(store, store, new IngestOptions { Limits = new FairLimits(DeviceBurst: 10, DevicePerHour: 60, CustomerShare: 0.25) },
                devices: devices);
            var acks = new ConcurrentQueue<int>();
            var messages = new List<InboundMessage>();
            for (int round = 0; round < 5; round++)
            {
                foreach (var (id, _) in devices)
                {
                    messages.Add(Message(HealthReports.Cbor(1, round + 1), acks, messages.Count, "devices/" + id + "/up/health"));
                }
            }

            await pipeline.ProcessAsync(messages.ToArray(), CancellationToken.None);

            Assert.Equal(Enumerable.Range(0, messages.Count), acks.ToArray());
            // In delivery order acme's first 10 pass: rounds 1 and 2 (8), then acme-1 and acme-2 in round 3.
            long[] stored = new long[acme.Length];
            long[] refused = new long[acme.Length];
            for (int i = 0; i < acme.Length; i++)
            {
                stored[i] = (await store.ListHealthAsync(acme[i], 0, long.MaxValue, 100, CancellationToken.None)).Count;
                IReadOnlyList<CounterRecord> counters = await store.ListCountersAsync(acme[i], 0, CancellationToken.None);
                Assert.All(counters, c => Assert.Equal(IngestReason.RateLimitedCustomer.Code(), c.Reason));
                refused[i] = counters.Sum(c => c.Count);
            }

            Assert.Equal(new long[] { 3, 3, 2, 2 }, stored);
            Assert.Equal(new long[] { 2, 2, 3, 3 }, refused);
            Assert.Equal(5, (await store.ListHealthAsync("globex-1", 0, long.MaxValue, 100, CancellationToken.None)).Count);
            Assert.Empty(await store.ListCountersAsync("globex-1", 0, CancellationToken.None));
        }
    }

    /// <summary>
    /// A database outage holds ingest while the session stays up, so the broker queues everything and delivers it at once
    /// when commits work again: the same backlog as after a reconnect, and credited the same way (issue 13's review).
    /// Four devices of acme, each well within its own limits, send 5 reports each while commits fail for 2 s: 20
    /// together, over acme's burst (4 x 5 x 0.25 = 5) but within what acme may send in 2 s and a burst
    /// (5 + 36,000/h x 2 s = 25). Without the credit 15 were refused rate-limited-customer, acknowledged and gone.
    /// While the database fails, ingest's last consuming time stays at the failure's start (what the service persists).
    /// </summary>
    [Fact]
    public async Task RunAsync_DatabaseFailsThenRecovers_QueuedReportsOfCompliantDevicesAdmittedInFull()
    {
        var (store, _) = await StoreFactory.OpenAsync("sqlite", _postgres, _folder);
        await using (store)
        {
            string[] acme = { "acme-1", "acme-2", "acme-3", "acme-4" };
            var gate = new GatedStore(store) { FailuresLeft = int.MaxValue };
            IngestPipeline pipeline = await PipelineAsync(store, gate, new IngestOptions { Limits = new FairLimits(DeviceBurst: 5, DevicePerHour: 36_000, CustomerShare: 0.25) },
                devices: acme.Select(id => (id, (string?)"acme")).ToArray());
            var acks = new ConcurrentQueue<int>();
            using var stop = new CancellationTokenSource();
            Task writer = pipeline.RunAsync(stop.Token);
            long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await pipeline.EnqueueAsync(Message(HealthReports.Cbor(1, 1), acks, 0, "devices/acme-1/up/health"), CancellationToken.None);
            await ServiceLabWait(() => pipeline.DatabaseFailing, TimeSpan.FromSeconds(30));
            var messages = new List<InboundMessage>();
            for (int round = 0; round < 5; round++)
            {
                foreach (string id in acme)
                {
                    messages.Add(Message(HealthReports.Cbor(1, round + 2), acks, messages.Count + 1, "devices/" + id + "/up/health"));
                }
            }

            foreach (InboundMessage message in messages)
            {
                await pipeline.EnqueueAsync(message, CancellationToken.None);
            }

            await Task.Delay(2000);
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            long lastConsuming = pipeline.LastConsumingMs(now);
            Assert.InRange(lastConsuming, before, now - 1900);
            gate.FailuresLeft = 0;
            await ServiceLabWait(() => acks.Count == messages.Count + 1, TimeSpan.FromSeconds(30));
            stop.Cancel();
            await writer.WaitAsync(TimeSpan.FromSeconds(30));

            long refused = 0;
            long stored = 0;
            foreach (string id in acme)
            {
                refused += (await store.ListCountersAsync(id, 0, CancellationToken.None)).Sum(c => c.Count);
                stored += (await store.ListHealthAsync(id, 0, long.MaxValue, 100, CancellationToken.None)).Count;
            }

            Assert.Equal(0, refused);
            Assert.Equal(21, stored);
            long credited = pipeline.Backlog!.OutageMs;
            Assert.InRange(credited, 1900, 30_000);
            long after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Assert.Equal(after, pipeline.LastConsumingMs(after)); // consuming again
        }
    }

    private static async Task ServiceLabWait(Func<bool> condition, TimeSpan timeout) =>
        await EndToEnd.ServiceLab.WaitUntil(() => Task.FromResult(condition()), timeout, "every message acknowledged");

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ProcessAsync_RefusalReportDeliveredAgain_CountedOnce_BadOneCountedAgainstTheBroker(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            var acks = new ConcurrentQueue<int>();
            var refusals = new ConcurrentQueue<BrokerRefusal>();
            IngestPipeline pipeline = await PipelineAsync(store, new GatedStore(store), observer: new RefusalObserver(refusals));
            const string RefusalTopic = "$SYS/broker/securedevice/refused/" + Device;
            byte[] report = Encoding.UTF8.GetBytes("{\"v\":1,\"refused\":5,\"bytes\":40,\"first_topic\":\"a\",\"first_topic_len\":1,"
                + "\"last_topic\":\"devices/dev-002/up/health\",\"last_topic_len\":23,\"start_ms\":1000,\"end_ms\":11000}");
            byte[] next = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(report).Replace("1000,\"end_ms\":11000", "11000,\"end_ms\":21000", StringComparison.Ordinal));

            // The broker delivers the report, the service stops before the PUBACK, the broker delivers it again (DUP) with
            // the next interval's; another instance's copy (no DUP) comes too: the same (client, interval start) is
            // counted once, the redelivery as redelivered, the other copy not at all.
            await pipeline.ProcessAsync(new[] { Message(report, acks, 0, RefusalTopic) }, CancellationToken.None);
            InboundMessage again = Message(report, acks, 1, RefusalTopic);
            again = new InboundMessage { Topic = again.Topic, Payload = again.Payload, ReceivedMs = again.ReceivedMs, Acknowledge = again.Acknowledge, Redelivery = true };
            await pipeline.ProcessAsync(new[] { again, Message(next, acks, 2, RefusalTopic), Message(report, acks, 3, RefusalTopic) }, CancellationToken.None);
            await pipeline.ProcessAsync(new[] { Message(Encoding.UTF8.GetBytes("{\"v\":1}"), acks, 4, RefusalTopic) }, CancellationToken.None);

            Assert.Equal(new[] { 0, 1, 2, 3, 4 }, acks.ToArray());
            IReadOnlyList<CounterRecord> counters = await store.ListCountersAsync(null, 0, CancellationToken.None);
            CounterRecord outside = counters.Single(c => c.Reason == IngestReason.OutsideAcl.Code());
            Assert.Equal((Device, 10L, 80L), (outside.DeviceId, outside.Count, outside.Bytes));
            Assert.Equal("5 refused, last topic devices/dev-002/up/health", outside.LastDetail);
            Assert.Equal(1, counters.Single(c => c.Reason == IngestReason.Redelivered.Code()).Count);
            Assert.Equal(IngestPipeline.BrokerSourceId, counters.Single(c => c.Reason == IngestReason.BadRefusalReport.Code()).DeviceId);
            Assert.Equal(3, counters.Count);

            // Detection's outside-acl rule gets each stored report once: neither the redelivery nor the other copy.
            Assert.Equal(new[] { (Device, 5L, 40L), (Device, 5L, 40L) }, refusals.Select(r => (r.DeviceId, r.Count, r.Bytes)).ToArray());
        }
    }

    private sealed class RefusalObserver(ConcurrentQueue<BrokerRefusal> refusals) : IIngestObserver
    {
        public void OnCommitted(CommittedBatch batch)
        {
            foreach (BrokerRefusal refusal in batch.Refusals)
            {
                refusals.Enqueue(refusal);
            }
        }
    }

    [Fact]
    public async Task ProcessAsync_OverflowReport_CountedAgainstOverflowWithItsCount()
    {
        var (store, _) = await StoreFactory.OpenAsync("sqlite", _postgres, _folder);
        await using (store)
        {
            var acks = new ConcurrentQueue<int>();
            var refusals = new ConcurrentQueue<BrokerRefusal>();
            IngestPipeline pipeline = await PipelineAsync(store, new GatedStore(store), observer: new RefusalObserver(refusals));
            byte[] report = Encoding.UTF8.GetBytes("{\"v\":1,\"clients\":7,\"refused\":14,\"bytes\":28,\"start_ms\":10,\"end_ms\":20}");

            await pipeline.ProcessAsync(new[] { Message(report, acks, 0, "$SYS/broker/securedevice/refused/%overflow") }, CancellationToken.None);

            CounterRecord overflow = (await store.ListCountersAsync(null, 0, CancellationToken.None)).Single();
            Assert.Equal((IngestPipeline.OverflowSourceId, IngestReason.OutsideAcl.Code(), 14L, 28L), (overflow.DeviceId, overflow.Reason, overflow.Count, overflow.Bytes));
            Assert.Empty(refusals); // the overflow bucket names no device: nothing for detection
        }
    }

    [Fact]
    public async Task ProcessAsync_RefusedTopicWithEscapeAndBidiCharacters_StoredDetailIsEscaped()
    {
        var (store, _) = await StoreFactory.OpenAsync("sqlite", _postgres, _folder);
        await using (store)
        {
            var acks = new ConcurrentQueue<int>();
            IngestPipeline pipeline = await PipelineAsync(store, new GatedStore(store));
            // The counter JSON-escapes what it cannot send raw (\u001b); a bidi override (U+202E) is valid in a topic and
            // arrives raw. Neither may reach a terminal or a page as it is.
            byte[] report = Encoding.UTF8.GetBytes("{\"v\":1,\"refused\":1,\"bytes\":0,\"first_topic\":\"a\",\"first_topic_len\":1,"
                + "\"last_topic\":\"x\\u001b[2J\u202eevil\\\"q\",\"last_topic_len\":13,\"start_ms\":1,\"end_ms\":2}");

            await pipeline.ProcessAsync(new[] { Message(report, acks, 0, "$SYS/broker/securedevice/refused/" + Device) }, CancellationToken.None);

            CounterRecord outside = (await store.ListCountersAsync(null, 0, CancellationToken.None)).Single();
            Assert.Equal("1 refused, last topic x\\x1b[2J\\u{202e}evil\"q", outside.LastDetail);
        }
    }

    private static InboundMessage Message(byte[] payload, ConcurrentQueue<int> acks, int index, string topic = Topic) => new()
    {
        Topic = topic,
        Payload = payload,
        ReceivedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Acknowledge = _ =>
        {
            acks.Enqueue(index);
            return Task.CompletedTask;
        },
    };

    private static async Task<IngestPipeline> PipelineAsync(FleetStore store, IIngestStore writer, IngestOptions? options = null, Func<long>? generation = null,
        IReadOnlyList<(string Id, string? Customer)>? devices = null, IIngestObserver? observer = null)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        devices ??= new[] { (Device, (string?)"acme") };
        await store.SyncRegistryAsync(devices.Select(d => new RegistryEntry(d.Id, d.Customer, "0A1B2C", new string('a', 64), now + 86_400_000L * 365, now - 1000, "active", null)).ToList(),
            now, CancellationToken.None);
        var registry = new DeviceRegistry();
        registry.Replace(await store.ListDevicesAsync(CancellationToken.None));
        return new IngestPipeline(writer, error => error is TimeoutException, registry, new ServiceMetrics(), observer == null ? Array.Empty<IIngestObserver>() : new[] { observer }, null, generation ?? (() => 0),
            options ?? new IngestOptions(), NullLogger.Instance, TimeProvider.System);
    }

    /// <summary>The real store behind a gate that can fail commits transiently and watch each attempt.</summary>
    private sealed class GatedStore : IIngestStore
    {
        private readonly IIngestStore _inner;

        public GatedStore(IIngestStore inner) => _inner = inner;

        public int FailuresLeft { get; set; }

        public int Attempts { get; private set; }

        public Action<IngestBatch>? BeforeCommit { get; set; }

        public Action<IngestBatch>? AfterCommit { get; set; }

        public Task<IReadOnlyList<DeviceRecord>> ListDevicesAsync(CancellationToken cancellationToken) => _inner.ListDevicesAsync(cancellationToken);

        public Task<RegistrySyncResult> SyncRegistryAsync(IReadOnlyList<RegistryEntry> entries, long nowMs, CancellationToken cancellationToken) =>
            _inner.SyncRegistryAsync(entries, nowMs, cancellationToken);

        public async Task<BatchResult> CommitAsync(IngestBatch batch, CancellationToken cancellationToken)
        {
            Attempts++;
            BeforeCommit?.Invoke(batch);
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new TimeoutException("injected: the database did not answer");
            }

            BatchResult result = await _inner.CommitAsync(batch, cancellationToken);
            AfterCommit?.Invoke(batch);
            return result;
        }
    }
}

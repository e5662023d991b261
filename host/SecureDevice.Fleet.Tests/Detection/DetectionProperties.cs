using System;
using System.Linq;
using FsCheck.Xunit;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Telemetry;
using SecureDevice.Fleet.Detection;
using Xunit;

namespace SecureDevice.Fleet.Tests.Detection;

/// <summary>Healthy noise never flags; a miner hidden in any healthy device's noise always does.</summary>
public sealed class DetectionProperties
{
    // Two days of a healthy device drawn from a seed: its own levels, a daily cycle, Gaussian noise, now and then a busy
    // report, broker windows that match, at most one power cut. Returns the driver (findings so far) and the device.
    private static (DetectionDriver Driver, DetectionDriver.Device Device, Func<double, double> Noise) Healthy(int seed, int hours)
    {
        var random = new Random(seed);
        double Noise(double sigma) => sigma * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        double load = 2 + (random.NextDouble() * 15);
        double current = 50 + (random.NextDouble() * 80);
        double bytes = 200 + (random.NextDouble() * 4000);
        double heap = 120 + (random.NextDouble() * 80);
        double phase = random.NextDouble() * 2 * Math.PI;
        int cutAt = random.Next(12 * hours * 2);
        var driver = new DetectionDriver().Register("d1");
        var device = new DetectionDriver.Device("d1") { Current = random.Next(4) == 0 ? null : 0 };
        for (int r = 0; r < 12 * hours; r++)
        {
            double daily = Math.Sin((2 * Math.PI * r / 288) + phase);
            device.Load = (long)Math.Clamp(load + (3 * daily) + Noise(1.5) + (random.Next(150) == 0 ? 15 : 0), 0, 100);
            device.Current = device.Current is null ? null : (long)Math.Max(0, current + (3 * daily) + Noise(2));
            device.BytesUp = (long)Math.Max(0, bytes * (1 + (0.2 * daily)) * (1 + Noise(0.25)));
            device.BytesDown = (long)Math.Max(0, 100 + Noise(30));
            device.HeapFree = (long)(heap - (5 * daily) + Noise(2));
            if (r == cutAt)
            {
                device.Reboot(BootReason.Unclean);
            }

            int jitter = 300 + random.Next(-15, 16);
            driver.Report(device, jitter);
            driver.Now = driver.Now.AddSeconds(-jitter);
            driver.Window("d1", messages: 2 + random.Next(3), bytes: device.BytesUp + 200, connects: r == cutAt ? 1 : 0, bytesDown: device.BytesDown + 40, seconds: jitter);
            driver.Take(driver.Engine.Tick(driver.Now));
        }

        return (driver, device, Noise);
    }

    [Property(MaxTest = 40)]
    public bool HealthyNoise_NeverFlags(int seed)
    {
        var (driver, _, _) = Healthy(seed, 48);
        return driver.Findings.Count == 0;
    }

    [Property(MaxTest = 60)]
    public bool WhateverOurFirmwareWantsToSend_NeverFloods(int seed)
    {
        // Any demand (bursts of every class at random moments, reboots with a fresh limiter at random times, the
        // reboot-loop breaker's safe mode after five within 15 minutes) goes through the core's own PublishLimiter; the
        // broker counts what it lets out. The shadow buckets never overdraw.
        var random = new Random(seed);
        var driver = new DetectionDriver();
        var limiter = new PublishLimiter();
        var boots = new System.Collections.Generic.Queue<int>();
        int safeUntil = 0;
        long sent = FirmwareLimits.MessagesPerConnect;
        int connects = 1;
        double burstiness = random.NextDouble();
        int rebootEvery = random.Next(120, 3600);
        for (int second = 1; second <= 4 * 3600; second++)
        {
            if (random.Next(rebootEvery) == 0)
            {
                boots.Enqueue(second);
                while (second - boots.Peek() > 900)
                {
                    boots.Dequeue();
                }

                safeUntil = boots.Count >= 5 ? second + 1800 : safeUntil;
                limiter = new PublishLimiter { SafeMode = second < safeUntil };
                connects++;
                sent += FirmwareLimits.MessagesPerConnect;
            }

            int demand = random.NextDouble() < burstiness * 0.05 ? random.Next(1, 40) : 0;
            for (int i = 0; i < demand; i++)
            {
                sent += limiter.Decide((MessageClass)random.Next(PublishLimiter.ClassCount), second * 1000L, false) == PublishDecision.Send ? 1 : 0;
            }

            if (second % 60 == 0)
            {
                driver.Window("d1", sent, sent * 120, connects, seconds: 60);
                sent = 0;
                connects = 0;
            }
        }

        return !driver.Opened(DetectionRule.MessageFlood).Any() && !driver.Opened(DetectionRule.ReconnectStorm).Any();
    }

    [Property(MaxTest = 25)]
    public bool AMinerInAnyHealthyDevice_IsFlaggedWithinThreeReports(int seed)
    {
        var (driver, device, noise) = Healthy(seed, 12);
        for (int r = 0; r < 3; r++)
        {
            device.Load = (long)(92 + noise(2));
            device.Current = device.Current is null ? null : device.Current + 40;
            driver.Report(device);
        }

        return driver.Opened(DetectionRule.CoinMiner).Any();
    }
}

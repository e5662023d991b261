using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tool.Tests.Broker;

/// <summary>
/// D10: each identity has exactly the rights certs/README.md states, checked with mosquitto's own clients against the
/// reference configuration. The broker uses the certificate's CN as client id, so one identity cannot publish and
/// observe at the same time: each phase has disjoint observers (mosquitto_sub on devices/#, filtered by the broker's
/// read rights) and publishers (mosquitto_pub), and every publish carries a unique payload.
/// </summary>
public sealed class BrokerRightsTests : IClassFixture<BrokerFixture>
{
    private readonly BrokerFixture _broker;

    public BrokerRightsTests(BrokerFixture broker) => _broker = broker;

    private sealed record Case(string Publisher, string Topic, string Observer, bool Delivered)
    {
        public string Payload { get; } = "p" + Guid.NewGuid().ToString("N")[..10];

        public override string ToString() => Publisher + " -> " + Topic + (Delivered ? " reaches " : " must not reach ") + Observer;
    }

    [Fact]
    public void DevicesServiceCommandsAndOperator_HaveExactlyTheirDocumentedRights()
    {
        var failures = new List<string>();
        failures.AddRange(Phase(new[] { "service", "dev-b" }, new[]
        {
            new Case("dev-a", "devices/dev-a/up/health", "service", true),
            new Case("dev-a", "devices/dev-a/up/status", "service", true),
            new Case("dev-a", "devices/dev-a/up/events", "service", true),
            new Case("dev-a", "devices/dev-a/up/update", "service", true),
            new Case("dev-a", "devices/dev-a/up/health", "dev-b", false),
            new Case("dev-a", "devices/dev-a/up/anything-else", "service", false),
            new Case("dev-a", "devices/dev-a/up/health/deeper", "service", false),
            new Case("dev-a", "devices/dev-b/up/health", "service", false),
            new Case("dev-a", "devices/dev-b/down/update", "dev-b", false),
            new Case("operator", "devices/dev-b/down/update", "dev-b", true),
            new Case("operator", "devices/dev-b/down/update", "service", false),
            new Case("operator", "devices/operator/up/health", "service", false),
            new Case("operator", "devices/dev-a/up/health", "service", false),
            new Case("operator", "devices/service/down/update", "service", false),
        }));
        failures.AddRange(Phase(new[] { "operator", "dev-a" }, new[]
        {
            new Case("service", "devices/dev-a/down/throttle", "dev-a", false),
            new Case("commands.service", "devices/dev-a/down/throttle", "dev-a", true),
            new Case("commands.service", "devices/dev-a/down/update", "dev-a", false),
            new Case("commands.service", "devices/dev-a/down/anything", "dev-a", false),
            new Case("commands.service", "devices/dev-b/up/health", "operator", false),
            new Case("commands.service", "devices/dev-a/down/throttle", "operator", false),
            new Case("service", "devices/dev-a/down/update", "dev-a", false),
            new Case("service", "devices/dev-a/down/anything", "dev-a", false),
            new Case("service", "devices/dev-a/down/throttle", "operator", false),
            new Case("service", "devices/service/up/health", "operator", false),
            new Case("service", "devices/dev-b/up/health", "operator", false),
            new Case("service", "devices/operator/down/update", "operator", false),
            new Case("dev-b", "devices/dev-b/up/health", "operator", true),
            new Case("dev-b", "devices/dev-b/up/health", "dev-a", false),
            new Case("dev-b", "devices/dev-a/down/update", "dev-a", false),
        }));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private MqttClientIdentity Identity(string name) => name switch
    {
        "service" => _broker.Service,
        "commands.service" => _broker.Commands,
        "operator" => _broker.Operator,
        _ => Device(name),
    };

    private MqttClientIdentity Device(string id)
    {
        var (certificate, key) = _broker.Provision(id);
        return _broker.Client(certificate, key);
    }

    private IEnumerable<string> Phase(string[] observers, Case[] cases)
    {
        var subscribers = observers.ToDictionary(o => o, o => new MosquittoSubscriber(Identity(o), "devices/#", timeoutSeconds: 20, format: "%t %p"));
        try
        {
            Thread.Sleep(1500);
            foreach (Case c in cases)
            {
                MosquittoPublisher.Publish(Identity(c.Publisher), c.Topic, c.Payload).EnsureSuccess("mosquitto_pub as " + c.Publisher);
            }

            // Positive cases arrive first; then a grace period for anything that should not arrive at all.
            foreach (Case c in cases.Where(c => c.Delivered))
            {
                subscribers[c.Observer].WaitFor(l => l == c.Topic + " " + c.Payload, TimeSpan.FromSeconds(5));
            }

            Thread.Sleep(1500);
            foreach (Case c in cases)
            {
                bool seen = subscribers[c.Observer].Lines.Contains(c.Topic + " " + c.Payload);
                if (seen != c.Delivered)
                {
                    yield return "FAILED: " + c + " (" + (seen ? "delivered" : "not delivered") + ")";
                }
            }
        }
        finally
        {
            foreach (MosquittoSubscriber subscriber in subscribers.Values)
            {
                subscriber.Dispose();
            }
        }
    }
}

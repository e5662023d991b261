using System;
using System.Collections.Generic;
using SecureDevice.Service.Extensions;

namespace SecureDevice.Service.Hosting;

/// <summary>
/// What the lead wires in when workstreams B and C land (docs/service.md, "Extension points"): observers called after
/// every committed batch (detectors), and the response mechanisms and policy. Defaults: none, and <see cref="NoResponse"/>.
/// </summary>
public sealed class ServiceExtensions
{
    public IReadOnlyList<IIngestObserver> Observers { get; init; } = Array.Empty<IIngestObserver>();

    public IDeviceResponse Response { get; init; } = new NoResponse();

    /// <summary>The clock (tests pass a fake one).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

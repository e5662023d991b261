using System;
using System.Collections.Generic;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Storage;

namespace SecureDevice.Service.Hosting;

/// <summary>
/// What the lead wires in when workstreams B and C land (docs/service.md, "Extension points"): observers called after
/// every committed batch (detectors), and the response mechanisms and policy. Defaults: none, and <see cref="NoResponse"/>.
/// </summary>
public sealed class ServiceExtensions
{
    public IReadOnlyList<IIngestObserver> Observers { get; init; } = Array.Empty<IIngestObserver>();

    public IDeviceResponse Response { get; init; } = new NoResponse();

    /// <summary>Extensions that need the running service (detection worker, response ladder, alert delivery).</summary>
    public IReadOnlyList<Integration.IServiceAttachment> Attachments { get; init; } = Array.Empty<Integration.IServiceAttachment>();

    /// <summary>
    /// Wraps the store the service opened (fault injection in tests: a commit that never returns, a database that fails).
    /// Null in production.
    /// </summary>
    public Func<IFleetStore, IFleetStore>? WrapStore { get; init; }

    /// <summary>The console (issue 14), or null for the bare service (/metrics and /health only).</summary>
    public IServiceWebModule? Web { get; init; }

    /// <summary>The clock (tests pass a fake one).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

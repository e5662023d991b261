using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.RateLimiting;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace SecureDevice.WebConsole.Web;

/// <summary>
/// The pause of <see cref="FailureBurstGuard"/> as a partition of the console's global rate limiter (ASP.NET Core's
/// rate-limiting middleware, ahead of the sign-in limits): every HTTPS request of a paused address, and every sign-in
/// naming a paused account, is refused with 429 and Retry-After = the pause left (the middleware's OnRejected reads the
/// lease's <see cref="MetadataName.RetryAfter"/>). Other sources get no limiter. The plain listener's /health and
/// /metrics are never paused (probes come from the host).
/// </summary>
public static class SourcePause
{
    public static PartitionedRateLimiter<HttpContext> Create(FailureBurstGuard guard) => PartitionedRateLimiter.Create<HttpContext, string>(context =>
    {
        if (!context.Request.IsHttps)
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        string address = FailureBurstGuard.AddressKey(FailureBurstGuard.AddressOf(context));
        if (guard.IsPaused(address))
        {
            return RateLimitPartition.Get(address, key => new PausedLimiter(guard, key));
        }

        if (LoginRateLimit.IsSignIn(context) && LoginRateLimit.AccountOf(context) is string name && guard.IsPaused(FailureBurstGuard.AccountKey(name)))
        {
            return RateLimitPartition.Get(FailureBurstGuard.AccountKey(name), key => new PausedLimiter(guard, key));
        }

        return RateLimitPartition.GetNoLimiter(string.Empty);
    });

    /// <summary>Refuses while the guard holds its source paused (time from the guard's clock); then lets everything through and goes idle.</summary>
    private sealed class PausedLimiter : RateLimiter
    {
        private readonly FailureBurstGuard _guard;
        private readonly string _source;

        public PausedLimiter(FailureBurstGuard guard, string source)
        {
            _guard = guard;
            _source = source;
        }

        /// <summary>Idle (so the partition is dropped) once the pause is over.</summary>
        public override TimeSpan? IdleDuration => _guard.IsPaused(_source) ? null : TimeSpan.FromMinutes(1);

        public override RateLimiterStatistics? GetStatistics() => null;

        protected override RateLimitLease AttemptAcquireCore(int permitCount)
        {
            TimeSpan left = _guard.Remaining(_source);
            return left > TimeSpan.Zero ? new Refused(left) : Granted.Instance;
        }

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
            ValueTask.FromResult(AttemptAcquireCore(permitCount));
    }

    private sealed class Refused : RateLimitLease
    {
        private readonly TimeSpan _retryAfter;

        public Refused(TimeSpan retryAfter) => _retryAfter = retryAfter;

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => new[] { MetadataName.RetryAfter.Name };

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name ? _retryAfter : null;
            return metadata != null;
        }
    }

    private sealed class Granted : RateLimitLease
    {
        public static readonly Granted Instance = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => Array.Empty<string>();

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}

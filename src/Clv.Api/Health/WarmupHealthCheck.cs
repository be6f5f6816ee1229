using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Clv.Api.Health;

/// <summary>Ready once the read paths have been warmed, or have taken too long (<see cref="ReadPathWarmup.Settled"/>).</summary>
internal sealed class WarmupHealthCheck(ReadPathWarmup warmup) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            warmup.Completion.IsCompleted ? HealthCheckResult.Healthy("Read paths warmed.")
            : warmup.Settled ? HealthCheckResult.Healthy("Still warming up the read paths, past the longest wait for them.")
            : HealthCheckResult.Unhealthy("Warming up the read paths."));
}

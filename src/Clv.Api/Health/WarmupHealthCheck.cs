using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Clv.Api.Health;

/// <summary>Ready once the read paths have been warmed (<see cref="ReadPathWarmup"/>).</summary>
internal sealed class WarmupHealthCheck(ReadPathWarmup warmup) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(warmup.Completion.IsCompleted
            ? HealthCheckResult.Healthy("Read paths warmed.")
            : HealthCheckResult.Unhealthy("Warming up the read paths."));
}

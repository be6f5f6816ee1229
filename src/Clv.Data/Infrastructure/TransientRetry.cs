using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Polly;
using Polly.Retry;

namespace Clv.Data.Infrastructure;

/// <summary>How often and how patiently a write transaction is re-run after a transient failure.</summary>
/// <param name="MaxAttempts">Attempts in all, the first included; 1 turns retrying off.</param>
/// <param name="BaseDelay">About the backoff before the second attempt; it doubles per attempt, jittered (Polly's exponential backoff with jitter).</param>
public sealed record TransientRetrySettings(int MaxAttempts, TimeSpan BaseDelay)
{
    /// <summary>Four attempts, waiting about 50, 100 and 200 ms between them.</summary>
    public static TransientRetrySettings Default { get; } = new(4, TimeSpan.FromMilliseconds(50));
}

/// <summary>
/// Re-runs a whole database transaction when PostgreSQL or the connection fails in a way that a
/// second try can cure: serialization failure (40001), deadlock (40P01), a server shutting down
/// or starting (57P01-57P03), a lost or refused connection (<see cref="NpgsqlException.IsTransient"/>).
/// A command timeout is not retried: the same statement would run as long again. The work must be
/// safe to run twice, as the bulk writers are: a failed attempt rolled back, and a commit whose
/// answer was lost comes back as duplicates (ON CONFLICT), never as a second copy.
/// </summary>
public sealed class TransientRetry
{
    private readonly ResiliencePipeline _pipeline;

    /// <summary>A retry with <paramref name="settings"/>, logging each retry to <paramref name="logger"/> and waiting on <paramref name="time"/>.</summary>
    public TransientRetry(TransientRetrySettings settings, ILogger<TransientRetry> logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(time);
        if (settings.MaxAttempts <= 1)
        {
            _pipeline = ResiliencePipeline.Empty;
            return;
        }

        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = settings.MaxAttempts - 1,
                // Polly's exponential backoff with jitter: clients that collided once do not collide again in step.
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.BaseDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && TransientCause(e) is not null && !args.Context.CancellationToken.IsCancellationRequested),
                OnRetry = args =>
                {
                    var cause = TransientCause(args.Outcome.Exception!);
                    logger.LogWarning(args.Outcome.Exception, "Transient database failure {SqlState} on attempt {Attempt} of {MaxAttempts}; retrying the transaction in {DelayMs} ms",
                        (cause as PostgresException)?.SqlState ?? "connection", args.AttemptNumber + 1, settings.MaxAttempts, (int)args.RetryDelay.TotalMilliseconds);
                    if (cause is not PostgresException)
                    {
                        // The pool may hold more connections that died with this one (a server restart).
                        NpgsqlConnection.ClearAllPools();
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>No retries: what work gets that does not ask for a policy.</summary>
    public static TransientRetry None { get; } = new(new TransientRetrySettings(1, TimeSpan.Zero), NullLogger<TransientRetry>.Instance, TimeProvider.System);

    /// <summary>Runs <paramref name="work"/>, again after a transient failure, up to the attempts allowed.</summary>
    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return await _pipeline.ExecuteAsync(static async (work, ct) => await work(ct), work, cancellationToken);
    }

    // EF Core wraps a transient failure of its own commands in an InvalidOperationException.
    private static NpgsqlException? TransientCause(Exception exception) => exception switch
    {
        NpgsqlException n when IsTransient(n) => n,
        InvalidOperationException { InnerException: NpgsqlException n } when IsTransient(n) => n,
        _ => null,
    };

    /// <summary>The key of the transaction ids' lookup table, on external_id.</summary>
    public const string TransactionKeyConstraint = "pk_transaction_keys";

    /// <summary>The key of the customer ids' lookup table, on external_id.</summary>
    public const string CustomerKeyConstraint = "pk_customer_keys";

    /// <summary>True for failures that a fresh attempt of the whole transaction can cure.</summary>
    public static bool IsTransient(NpgsqlException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.InnerException is TimeoutException)
        {
            return false;
        }

        // The server going down (57P01, 57P02) or still starting (57P03) ends the attempt, not the
        // request. A transaction id stored by a concurrent writer after the ingest's duplicate check
        // (Ingestion.TransactionWriter) is found as a duplicate when the transaction runs again, and
        // a customer a concurrent writer created first is found as known.
        return exception is PostgresException
        {
            SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected
                or PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow,
        } or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: TransactionKeyConstraint or CustomerKeyConstraint }
            || exception.IsTransient;
    }
}

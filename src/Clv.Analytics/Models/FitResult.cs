using System.Diagnostics.CodeAnalysis;

namespace Clv.Analytics.Models;

/// <summary>
/// The outcome of a maximum-likelihood fit. A fit that did not converge, or converged to a point that is not a
/// proper minimum (non-finite values, gradient not near zero, Hessian not positive definite), carries no
/// parameters, only <see cref="FailureReason"/>: failure never looks like plausible numbers.
/// </summary>
/// <typeparam name="TParameters">The model's parameter record.</typeparam>
public sealed record FitResult<TParameters>
    where TParameters : class
{
    /// <summary>The maximum-likelihood (or, with a penalizer, penalized) estimates; null when the fit failed.</summary>
    public TParameters? Parameters { get; init; }

    /// <summary>
    /// Standard errors of the estimates on the natural parameter scale, from the inverse of the Hessian of the
    /// total objective minimized (negative log-likelihood plus penalty) at the optimum; null when the fit failed.
    /// </summary>
    public TParameters? StandardErrors { get; init; }

    /// <summary>
    /// The same inverse Hessian on the scale the fit works on, φ = ln θ: Cov(φᵢ, φⱼ) = Cov(θᵢ, θⱼ)/(θᵢθⱼ) (the delta
    /// method), in the order of the model's parameters; what a parametric bootstrap draws from
    /// (<see cref="Predictions.ParameterSampler"/>). Null when the fit failed, or for a model fitted otherwise.
    /// </summary>
#pragma warning disable CA1814 // a covariance is a square matrix, not a ragged one
    public double[,]? LogCovariance { get; init; }
#pragma warning restore CA1814

    /// <summary>The total (weighted) log-likelihood at the estimates, without the penalty; NaN when the fit failed.</summary>
    public double LogLikelihood { get; init; } = double.NaN;

    /// <summary>Optimizer iterations used (over all attempts).</summary>
    public int Iterations { get; init; }

    /// <summary>The total weight (number of customers) of the observations the fit used.</summary>
    public double Observations { get; init; }

    /// <summary>Why the fit failed; null when it converged.</summary>
    public string? FailureReason { get; init; }

    /// <summary>True when the fit converged to a proper minimum and <see cref="Parameters"/> can be used.</summary>
    [MemberNotNullWhen(true, nameof(Parameters), nameof(StandardErrors))]
    public bool Converged => FailureReason is null && Parameters is not null && StandardErrors is not null;
}

using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;

namespace Clv.Analytics.Predictions;

/// <summary>
/// A fitted model's estimates and the sampling distribution the fit gives them, with how to build the model from
/// a set of parameters: what a parametric bootstrap needs of one model.
/// </summary>
/// <typeparam name="TModel">The fitted model.</typeparam>
/// <param name="Estimates">θ̂ in the order of the model's parameters.</param>
/// <param name="LogCovariance">The inverse Hessian on φ = ln θ (<see cref="Models.FitResult{T}.LogCovariance"/>); null when the fit has none.</param>
/// <param name="Create">Builds the model from parameters in the same order.</param>
public sealed record ParameterUncertainty<TModel>(IReadOnlyList<double> Estimates, double[,]? LogCovariance, Func<double[], TModel> Create);

/// <summary>
/// Draws parameters θ = exp(φ) with φ multivariate normal around ln θ̂ with the fit's covariance on the log scale:
/// the fits maximize over φ = ln θ, so the normal approximation is the one the fit itself makes, and every draw
/// is positive. φ = ln θ̂ + L z with L the Cholesky factor of the covariance and z independent standard normals.
/// </summary>
public sealed class ParameterSampler
{
    private readonly double[] _mean;
    private readonly Matrix<double> _lower;

    private ParameterSampler(double[] mean, Matrix<double> lower)
    {
        _mean = mean;
        _lower = lower;
    }

    /// <summary>Parameters per draw.</summary>
    public int Dimension => _mean.Length;

    /// <summary>
    /// The sampler of <paramref name="estimates"/> with <paramref name="logCovariance"/>; null when the covariance is
    /// missing, of the wrong size, not finite or not positive definite (no Cholesky factor).
    /// </summary>
#pragma warning disable CA1814 // a covariance is a square matrix
    public static ParameterSampler? Create(IReadOnlyList<double> estimates, double[,]? logCovariance)
#pragma warning restore CA1814
    {
        ArgumentNullException.ThrowIfNull(estimates);
        var n = estimates.Count;
        if (logCovariance is null || logCovariance.GetLength(0) != n || logCovariance.GetLength(1) != n
            || estimates.Any(e => !(e > 0) || !double.IsFinite(e)))
        {
            return null;
        }

        var covariance = Matrix<double>.Build.DenseOfArray(logCovariance);
        if (covariance.Enumerate().Any(c => !double.IsFinite(c)))
        {
            return null;
        }

        try
        {
            var lower = covariance.Cholesky().Factor;
            return lower.Enumerate().All(double.IsFinite) ? new ParameterSampler([.. estimates.Select(e => Math.Log(e))], lower) : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Writes one draw of θ into <paramref name="theta"/>, using <paramref name="random"/> for the normals.</summary>
    public void Draw(Random random, Span<double> theta)
    {
        var n = _mean.Length;
        Span<double> z = stackalloc double[n];
        for (var i = 0; i < n; i++)
        {
            z[i] = Normal.Sample(random, 0, 1);
        }

        for (var i = 0; i < n; i++)
        {
            var phi = _mean[i];
            for (var j = 0; j <= i; j++)
            {
                phi += _lower[i, j] * z[j];
            }

            theta[i] = Math.Exp(phi);
        }
    }
}

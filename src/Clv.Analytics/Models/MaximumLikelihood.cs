using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace Clv.Analytics.Models;

/// <summary>
/// The mean negative log-likelihood at natural parameters θ; when <paramref name="gradient"/> is not empty the
/// function also writes ∂/∂θ into it. Returns a non-finite value where the likelihood cannot be evaluated.
/// </summary>
internal delegate double MeanNegativeLogLikelihood(ReadOnlySpan<double> theta, Span<double> gradient);

/// <summary>What the shared fitting machinery found, before a model gives the numbers their names.</summary>
internal readonly record struct MleOutcome(
    double[]? Theta,
    double[]? StandardErrors,
    double LogLikelihood,
    int Iterations,
    string? FailureReason,
    double[,]? LogCovariance = null)
{
    public FitResult<TParameters> ToFitResult<TParameters>(Func<double[], TParameters> create, double observations)
        where TParameters : class => new()
        {
            Parameters = FailureReason is null && Theta is not null ? create(Theta) : null,
            StandardErrors = FailureReason is null && StandardErrors is not null ? create(StandardErrors) : null,
            LogLikelihood = FailureReason is null ? LogLikelihood : double.NaN,
            Iterations = Iterations,
            Observations = observations,
            FailureReason = FailureReason,
            LogCovariance = FailureReason is null ? LogCovariance : null,
        };
}

/// <summary>
/// Maximum-likelihood fitting over log-parameters with MathNet's BFGS (Nelder–Mead as a fallback start), the
/// lifetimes-style L2 penalty, an independent convergence check and standard errors from the Hessian.
/// </summary>
internal static class MaximumLikelihood
{
    /// <summary>Largest |∂objective/∂ln θ| (on the mean scale) accepted at the optimum.</summary>
    private const double GradientAcceptance = 1e-4;

    private const double NumericalStep = 1e-5;
    private const double HessianStep = 1e-4;

    /// <summary>
    /// Most evaluations of the likelihood in one fit, every phase counted: a fit of CDNOW_sample's 2,357
    /// customers takes about 500. Beyond it the fit fails instead of running on: an optimizer creeping along a flat
    /// ridge of a likelihood the data do not identify (Pareto/NBD's s and β growing together, say) made a model
    /// run of 833 customers last for hours.
    /// </summary>
    internal const int MaxEvaluations = 20_000;

    /// <summary>
    /// Evaluations after which an optimizer phase that has not lowered its best value by more than
    /// <see cref="StallTolerance"/> (relative) ends there: it is creeping, and the fit's convergence check decides.
    /// </summary>
    internal const int StallEvaluations = 300;

    private const double StallTolerance = 1e-9;

    /// <summary>
    /// Minimizes mean NLL(θ) + penalizer·Σθ² over φ = ln θ.
    /// </summary>
    /// <param name="meanNll">The model's mean negative log-likelihood.</param>
    /// <param name="analyticGradient">Whether <paramref name="meanNll"/> fills its gradient argument.</param>
    /// <param name="initialTheta">Starting parameters (natural scale, positive).</param>
    /// <param name="penalizer">L2 penalty coefficient, ≥ 0.</param>
    /// <param name="totalWeight">Total weight of the observations, which scales mean to total.</param>
    /// <param name="cancellationToken">Stops the fit at its next evaluation of the likelihood (<see cref="OperationCanceledException"/>).</param>
    public static MleOutcome Fit(
        MeanNegativeLogLikelihood meanNll,
        bool analyticGradient,
        double[] initialTheta,
        double penalizer,
        double totalWeight,
        CancellationToken cancellationToken = default)
    {
        if (!(penalizer >= 0) || double.IsInfinity(penalizer))
        {
            return Failed("The penalizer must be a finite number ≥ 0.", 0);
        }

        var objective = new PenalizedObjective(meanNll, analyticGradient, penalizer, initialTheta.Length, cancellationToken);
        var start = initialTheta.Select(t => Math.Log(t)).ToArray();
        if (!double.IsFinite(objective.Value(start)))
        {
            return Failed("The log-likelihood is not finite at the starting point (invalid or empty data?).", 0);
        }

        try
        {
            return Optimize(objective, start, meanNll, totalWeight);
        }
        catch (EvaluationBudgetExceededException)
        {
            return Failed($"The optimizer did not converge within {MaxEvaluations:N0} evaluations of the likelihood: the model is not identified by these data.", 0);
        }
    }

    private static MleOutcome Optimize(PenalizedObjective objective, double[] start, MeanNegativeLogLikelihood meanNll, double totalWeight)
    {
        var iterations = 0;
        var (phi, bfgsIterations, bfgsFailure) = RunBfgs(objective, start);
        iterations += bfgsIterations;
        if (bfgsFailure is not null || !IsStationary(objective, phi))
        {
            // BFGS's line search can stall far from the optimum on a badly scaled start; a derivative-free
            // pass gets into the basin, and BFGS then polishes.
            var (nmPhi, nmIterations, nmFailure) = RunNelderMead(objective, start);
            iterations += nmIterations;
            if (nmFailure is not null)
            {
                return Failed($"Optimizer failed: {bfgsFailure ?? "not stationary"}; fallback: {nmFailure}", iterations);
            }

            (phi, bfgsIterations, bfgsFailure) = RunBfgs(objective, nmPhi);
            iterations += bfgsIterations;
            if (bfgsFailure is not null and not Stalled)
            {
                phi = nmPhi;
            }

            if (!IsStationary(objective, phi))
            {
                return Failed("The optimizer did not reach a stationary point of the likelihood.", iterations);
            }
        }

        var theta = phi.Select(p => Math.Exp(p)).ToArray();
        if (theta.Any(t => !double.IsFinite(t) || t <= 0))
        {
            return Failed("The estimates ran off to 0 or infinity: the model is not identified by these data.", iterations);
        }

        var meanValue = meanNll(theta, []);
        if (!double.IsFinite(meanValue))
        {
            return Failed("The log-likelihood is not finite at the estimates.", iterations);
        }

        var covariance = Covariance(objective, phi, theta, totalWeight);
        if (covariance is null)
        {
            return Failed("The Hessian at the estimates is not positive definite: not a proper maximum.", iterations);
        }

        var n = theta.Length;
        var standardErrors = Enumerable.Range(0, n).Select(i => Math.Sqrt(covariance[i, i])).ToArray();
        var logCovariance = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                logCovariance[i, j] = covariance[i, j] / (theta[i] * theta[j]);
            }
        }

        return new MleOutcome(theta, standardErrors, -meanValue * totalWeight, iterations, null, logCovariance);
    }

    /// <summary>
    /// <see cref="Fit"/> with analytic gradient on data the model has checked: when <paramref name="invalidReason"/> is
    /// not null the optimizer is not run and the result fails with that reason; otherwise the estimates are named by
    /// <paramref name="create"/>.
    /// </summary>
    /// <param name="invalidReason">Why the data cannot be fitted, or null.</param>
    /// <param name="meanNll">The model's mean negative log-likelihood, with its gradient.</param>
    /// <param name="initialTheta">Starting parameters (natural scale, positive).</param>
    /// <param name="penalizer">L2 penalty coefficient, ≥ 0.</param>
    /// <param name="totalWeight">Total weight of the observations.</param>
    /// <param name="create">Names the parameters.</param>
    /// <param name="cancellationToken">Stops the fit (<see cref="OperationCanceledException"/>).</param>
    public static FitResult<TParameters> FitChecked<TParameters>(
        string? invalidReason,
        MeanNegativeLogLikelihood meanNll,
        double[] initialTheta,
        double penalizer,
        double totalWeight,
        Func<double[], TParameters> create,
        CancellationToken cancellationToken = default)
        where TParameters : class
    {
        var outcome = invalidReason is null
            ? Fit(meanNll, analyticGradient: true, initialTheta, penalizer, totalWeight, cancellationToken)
            : new MleOutcome(null, null, double.NaN, 0, invalidReason);
        return outcome.ToFitResult(create, double.IsFinite(totalWeight) ? totalWeight : 0);
    }

    private static MleOutcome Failed(string reason, int iterations) => new(null, null, double.NaN, iterations, reason);

    private static (double[] Phi, int Iterations, string? Failure) RunBfgs(PenalizedObjective objective, double[] start)
    {
        var function = ObjectiveFunction.Gradient(v =>
        {
            var g = new double[v.Count];
            var value = objective.ValueAndGradient(v.AsArray() ?? v.ToArray(), g);
            return (value, Vector<double>.Build.Dense(g));
        });
        objective.StartPhase();
        try
        {
            var result = new BfgsMinimizer(1e-7, 1e-12, 1e-14, 2000)
                .FindMinimum(function, Vector<double>.Build.DenseOfArray(start));
            return (result.MinimizingPoint.ToArray(), result.Iterations, null);
        }
        catch (Exception ex) when (ex is OptimizationException or ArithmeticException or ArgumentException or StalledException)
        {
            return Stopped(ex) ? (objective.PhaseBest, 0, Stalled) : (start, 0, ex.Message);
        }
        finally
        {
            objective.EndPhase();
        }
    }

    private static (double[] Phi, int Iterations, string? Failure) RunNelderMead(PenalizedObjective objective, double[] start)
    {
        var function = ObjectiveFunction.Value(v =>
        {
            var value = objective.Value(v.AsArray() ?? v.ToArray());
            return double.IsFinite(value) ? value : double.MaxValue;
        });
        objective.StartPhase();
        try
        {
            var result = new NelderMeadSimplex(1e-10, 20_000)
                .FindMinimum(function, Vector<double>.Build.DenseOfArray(start));
            var phi = result.MinimizingPoint.ToArray();
            return double.IsFinite(objective.Value(phi)) ? (phi, result.Iterations, null) : (start, result.Iterations, "non-finite optimum");
        }
        catch (Exception ex) when (ex is OptimizationException or ArithmeticException or ArgumentException or StalledException)
        {
            return Stopped(ex) ? (objective.PhaseBest, 0, null) : (start, 0, ex.Message);
        }
        finally
        {
            objective.EndPhase();
        }
    }

    private const string Stalled = "stalled";

    // Whether the objective stopped an optimizer's phase (StalledException), which MathNet's line search
    // hands on wrapped in its own exception; the fit's budget and its cancellation, wrapped the same way,
    // end the fit.
    private static bool Stopped(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StalledException:
                    return true;
                case EvaluationBudgetExceededException:
                    throw new EvaluationBudgetExceededException();
                case OperationCanceledException cancelled:
                    throw new OperationCanceledException(cancelled.Message, cancelled, cancelled.CancellationToken);
            }
        }

        return false;
    }

    private static bool IsStationary(PenalizedObjective objective, double[] phi)
    {
        var g = new double[phi.Length];
        var value = objective.ValueAndGradient(phi, g);
        return double.IsFinite(value) && g.All(d => double.IsFinite(d) && Math.Abs(d) <= GradientAcceptance);
    }

    /// <summary>
    /// The inverse Hessian of the total objective on the natural scale, whose diagonal's square roots are the
    /// standard errors; null when it is not positive definite. With f(φ) = F(e^φ): ∂²f/∂φᵢ∂φⱼ = θᵢθⱼF_ij + δᵢⱼθᵢFᵢ, so
    /// F_ij = (H_φ,ij − δᵢⱼ g_φ,i)/(θᵢθⱼ); the total objective is the mean objective times the total weight.
    /// </summary>
    private static Matrix<double>? Covariance(PenalizedObjective objective, double[] phi, double[] theta, double totalWeight)
    {
        var n = phi.Length;
        var g0 = new double[n];
        objective.ValueAndGradient(phi, g0);
        var hessianPhi = new double[n, n];
        var plus = new double[n];
        var minus = new double[n];
        for (var j = 0; j < n; j++)
        {
            var shifted = (double[])phi.Clone();
            shifted[j] = phi[j] + HessianStep;
            objective.ValueAndGradient(shifted, plus);
            shifted[j] = phi[j] - HessianStep;
            objective.ValueAndGradient(shifted, minus);
            for (var i = 0; i < n; i++)
            {
                hessianPhi[i, j] = (plus[i] - minus[i]) / (2 * HessianStep);
            }
        }

        var hessian = Matrix<double>.Build.Dense(n, n);
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var symmetric = 0.5 * (hessianPhi[i, j] + hessianPhi[j, i]);
                var h = (symmetric - (i == j ? g0[i] : 0.0)) / (theta[i] * theta[j]);
                hessian[i, j] = h * totalWeight;
            }
        }

        if (hessian.Enumerate().Any(h => !double.IsFinite(h)))
        {
            return null;
        }

        try
        {
            var covariance = hessian.Cholesky().Solve(Matrix<double>.Build.DenseIdentity(n));
            return Enumerable.Range(0, n).All(i => covariance[i, i] > 0 && double.IsFinite(Math.Sqrt(covariance[i, i])))
                && covariance.Enumerate().All(double.IsFinite) ? covariance : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    // Thrown out of the optimizers: the fit has used MaxEvaluations, or its phase has stalled.
    private sealed class EvaluationBudgetExceededException : Exception;

    private sealed class StalledException : Exception;

    /// <summary>mean NLL(e^φ) + λΣe^{2φ} and its gradient in φ (analytic through the chain rule, or central differences).</summary>
    private sealed class PenalizedObjective(MeanNegativeLogLikelihood meanNll, bool analyticGradient, double penalizer, int dimension, CancellationToken cancellationToken)
    {
        private readonly double[] _theta = new double[dimension];
        private readonly double[] _gradTheta = new double[dimension];
        private readonly double[] _shifted = new double[dimension];
        private int _evaluations;
        private double _phaseBestValue;
        private int _sinceBest;
        private bool _inPhase;

        /// <summary>The point of the lowest value since <see cref="StartPhase"/>.</summary>
        public double[] PhaseBest { get; private set; } = [];

        /// <summary>Starts an optimizer's phase: its stall is counted from its own best value.</summary>
        public void StartPhase() => (_phaseBestValue, _sinceBest, PhaseBest, _inPhase) = (double.PositiveInfinity, 0, [], true);

        /// <summary>Ends the phase: the convergence checks' evaluations count against the budget only.</summary>
        public void EndPhase() => _inPhase = false;

        public double Value(double[] phi)
        {
            for (var i = 0; i < phi.Length; i++)
            {
                _theta[i] = Math.Exp(phi[i]);
            }

            return Counted(phi, meanNll(_theta, []) + Penalty(_theta));
        }

        public double ValueAndGradient(double[] phi, double[] gradient)
        {
            if (!analyticGradient)
            {
                for (var i = 0; i < phi.Length; i++)
                {
                    Array.Copy(phi, _shifted, phi.Length);
                    _shifted[i] = phi[i] + NumericalStep;
                    var up = Value(_shifted);
                    _shifted[i] = phi[i] - NumericalStep;
                    var down = Value(_shifted);
                    gradient[i] = (up - down) / (2 * NumericalStep);
                }

                return Value(phi);
            }

            for (var i = 0; i < phi.Length; i++)
            {
                _theta[i] = Math.Exp(phi[i]);
            }

            var value = Counted(phi, meanNll(_theta, _gradTheta) + Penalty(_theta));
            for (var i = 0; i < phi.Length; i++)
            {
                gradient[i] = _theta[i] * (_gradTheta[i] + 2 * penalizer * _theta[i]);
            }

            return value;
        }

        // Counts an evaluation against the fit's budget and the phase's stall, where the fit can be cancelled.
        private double Counted(double[] phi, double value)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (++_evaluations > MaxEvaluations)
            {
                throw new EvaluationBudgetExceededException();
            }

            if (!_inPhase)
            {
                return value;
            }

            if (value < _phaseBestValue - (StallTolerance * Math.Abs(_phaseBestValue)) || (PhaseBest.Length == 0 && double.IsFinite(value)))
            {
                (_phaseBestValue, _sinceBest, PhaseBest) = (value, 0, (double[])phi.Clone());
            }
            else if (++_sinceBest >= StallEvaluations && PhaseBest.Length > 0)
            {
                throw new StalledException();
            }

            return value;
        }

        private double Penalty(double[] theta)
        {
            var sum = 0.0;
            foreach (var t in theta)
            {
                sum += t * t;
            }

            return penalizer * sum;
        }
    }
}

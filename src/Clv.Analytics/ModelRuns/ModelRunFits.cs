using Clv.Analytics.Models;
using Clv.Analytics.Predictions;

namespace Clv.Analytics.ModelRuns;

/// <summary>One model as a run fitted it, its parameters named as the literature names them.</summary>
/// <param name="Parameters">Maximum-likelihood estimates by name (r, alpha, a, b; r, alpha, s, beta; alpha, beta, gamma, delta; p, q, gamma); empty when the fit failed.</param>
/// <param name="StandardErrors">Standard errors from the inverse Hessian, by parameter; null when the fit failed.</param>
/// <param name="LogLikelihood">The maximized log-likelihood.</param>
/// <param name="Converged">Whether the optimizer converged to a finite optimum.</param>
/// <param name="Iterations">Optimizer iterations.</param>
/// <param name="Customers">Customers the model was fitted on.</param>
public sealed record ModelFit(
    Dictionary<string, double> Parameters, Dictionary<string, double>? StandardErrors, double LogLikelihood, bool Converged, int Iterations, double Customers)
{
    /// <summary>Why the fit did not converge; null when it did.</summary>
    public string? FailureReason { get; init; }

    /// <summary>Akaike's information criterion, 2k − 2 ln L with k parameters; null when the fit failed.</summary>
    public double? Aic => Converged ? (2.0 * Parameters.Count) - (2.0 * LogLikelihood) : null;

    /// <summary>The Bayesian information criterion, k ln n − 2 ln L with n the customers fitted on; null when the fit failed.</summary>
    public double? Bic => Converged ? (Parameters.Count * Math.Log(Customers)) - (2.0 * LogLikelihood) : null;
}

/// <summary>The models of one run, fitted on its portfolio's patterns.</summary>
/// <param name="Primary">The purchase model the per-customer figures come from.</param>
/// <param name="Spend">The Gamma-Gamma spend model.</param>
/// <param name="Models">Every model fitted, converged or not, by name: the purchase models in the order asked, then Gamma-Gamma.</param>
/// <param name="PurchaseModels">The purchase models that converged, in the order asked.</param>
public sealed record ModelRunFits(IPurchaseModel Primary, GammaGammaParameters Spend, IReadOnlyDictionary<string, ModelFit> Models, IReadOnlyList<KeyValuePair<string, IPurchaseModel>> PurchaseModels)
{
    /// <summary>The primary model's estimates and their covariance, for the run's intervals.</summary>
    public ParameterUncertainty<IPurchaseModel>? PrimaryUncertainty { get; init; }

    /// <summary>Gamma-Gamma's estimates and their covariance, for the run's intervals.</summary>
    public ParameterUncertainty<GammaGammaParameters>? SpendUncertainty { get; init; }

    /// <summary>
    /// The run's parametric bootstrap (<see cref="PredictionBootstrap"/>); null when the primary model or Gamma-Gamma
    /// has no positive-definite covariance to draw from.
    /// </summary>
    public PredictionBootstrap? Bootstrap(ClvProjection projection, IntervalSettings settings) =>
        PrimaryUncertainty is null || SpendUncertainty is null ? null : PredictionBootstrap.Draw(PrimaryUncertainty, SpendUncertainty, projection, settings);

    /// <summary>
    /// Fits the purchase models of <paramref name="models"/> (other names are left to the caller to
    /// reject) and Gamma-Gamma on <paramref name="portfolio"/>.
    /// </summary>
    /// <exception cref="ModelRunFailedException">The primary model or Gamma-Gamma did not converge, or Gamma-Gamma's q ≤ 1 gives no finite mean spend.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> stopped a fit.</exception>
    public static ModelRunFits Fit(ModelRunPortfolio portfolio, IEnumerable<string> models, string primaryModel, double penalizer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(portfolio);
        ArgumentNullException.ThrowIfNull(models);
        var patterns = portfolio.Patterns();
        var described = new Dictionary<string, ModelFit>();
        var purchaseModels = new Dictionary<string, IPurchaseModel>();
        var uncertainties = new Dictionary<string, ParameterUncertainty<IPurchaseModel>>();
        foreach (var model in models)
        {
            switch (model)
            {
                case ModelNames.BgNbd:
                    var bg = BgNbd.Fit(patterns, penalizer, cancellationToken);
                    described[model] = Describe(bg, p => new() { ["r"] = p.R, ["alpha"] = p.Alpha, ["a"] = p.A, ["b"] = p.B });
                    AddIfConverged(purchaseModels, model, bg);
                    uncertainties[model] = Uncertainty<BgNbdParameters>(bg, p => [p.R, p.Alpha, p.A, p.B], t => new BgNbdParameters(t[0], t[1], t[2], t[3]));
                    break;
                case ModelNames.ModifiedBgNbd:
                    var mbg = ModifiedBgNbd.Fit(patterns, penalizer, cancellationToken);
                    described[model] = Describe(mbg, p => new() { ["r"] = p.R, ["alpha"] = p.Alpha, ["a"] = p.A, ["b"] = p.B });
                    AddIfConverged(purchaseModels, model, mbg);
                    uncertainties[model] = Uncertainty<ModifiedBgNbdParameters>(mbg, p => [p.R, p.Alpha, p.A, p.B], t => new ModifiedBgNbdParameters(t[0], t[1], t[2], t[3]));
                    break;
                case ModelNames.ParetoNbd:
                    var pareto = ParetoNbd.Fit(patterns, penalizer, cancellationToken);
                    described[model] = Describe(pareto, p => new() { ["r"] = p.R, ["alpha"] = p.Alpha, ["s"] = p.S, ["beta"] = p.Beta });
                    AddIfConverged(purchaseModels, model, pareto);
                    uncertainties[model] = Uncertainty<ParetoNbdParameters>(pareto, p => [p.R, p.Alpha, p.S, p.Beta], t => new ParetoNbdParameters(t[0], t[1], t[2], t[3]));
                    break;
                case ModelNames.BgBb:
                    var bgbb = BgBb.Fit(patterns.ConvertAll(BgBbPattern.From), penalizer, cancellationToken);
                    described[model] = Describe(bgbb, p => new() { ["alpha"] = p.Alpha, ["beta"] = p.Beta, ["gamma"] = p.Gamma, ["delta"] = p.Delta });
                    AddIfConverged(purchaseModels, model, bgbb);
                    uncertainties[model] = Uncertainty<BgBbParameters>(bgbb, p => [p.Alpha, p.Beta, p.Gamma, p.Delta], t => new BgBbParameters(t[0], t[1], t[2], t[3]));
                    break;
                default:
                    break;
            }
        }

        var spend = GammaGamma.Fit(portfolio.SpendPatterns(), penalizer, cancellationToken);
        described[ModelNames.GammaGamma] = Describe(spend, p => new() { ["p"] = p.P, ["q"] = p.Q, ["gamma"] = p.Gamma });
        if (!purchaseModels.TryGetValue(primaryModel, out var primary))
        {
            throw new ModelRunFailedException($"The {primaryModel} fit did not converge: {described[primaryModel].FailureReason}");
        }

        if (!spend.Converged || !(spend.Parameters.Q > 1))
        {
            throw new ModelRunFailedException($"The {ModelNames.GammaGamma} fit did not converge: {spend.FailureReason ?? "q ≤ 1 gives no finite mean spend"}");
        }

        return new ModelRunFits(primary, spend.Parameters, described, [.. purchaseModels])
        {
            PrimaryUncertainty = uncertainties[primaryModel],
            SpendUncertainty = new ParameterUncertainty<GammaGammaParameters>([spend.Parameters.P, spend.Parameters.Q, spend.Parameters.Gamma], spend.LogCovariance, t => new GammaGammaParameters(t[0], t[1], t[2])),
        };
    }

    private static ParameterUncertainty<IPurchaseModel> Uncertainty<T>(FitResult<T> fit, Func<T, double[]> estimates, Func<double[], IPurchaseModel> create)
        where T : class =>
        new(fit.Parameters is null ? [] : estimates(fit.Parameters), fit.LogCovariance, create);

    private static void AddIfConverged<T>(Dictionary<string, IPurchaseModel> models, string name, FitResult<T> fit)
        where T : class, IPurchaseModel
    {
        if (fit.Converged)
        {
            models[name] = fit.Parameters;
        }
    }

    private static ModelFit Describe<T>(FitResult<T> fit, Func<T, Dictionary<string, double>> parameters)
        where T : class =>
        new(
            fit.Parameters is null ? [] : parameters(fit.Parameters),
            fit.StandardErrors is null ? null : parameters(fit.StandardErrors),
            fit.LogLikelihood,
            fit.Converged,
            fit.Iterations,
            fit.Observations) { FailureReason = fit.FailureReason };
}

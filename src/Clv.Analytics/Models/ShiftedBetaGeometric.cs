using MathNet.Numerics;

namespace Clv.Analytics.Models;

/// <summary>
/// One subscriber's (or several identical subscribers') observed lifetime, in whole periods, for the
/// shifted-beta-geometric model. A subscriber alive at its k-th renewal date (k = 0 at its start) has survived k periods.
/// </summary>
/// <param name="Periods">
/// For a subscription that ended: the period t ≥ 1 in which it ended (alive at the start of periods 0..t−1, not at the
/// start of period t). For one still active: the periods c ≥ 0 it has survived so far (alive at the start of periods 0..c).
/// </param>
/// <param name="Churned">Whether the subscription ended.</param>
/// <param name="Weight">How many subscribers share the observation.</param>
public readonly record struct SbgObservation(int Periods, bool Churned, double Weight)
{
    /// <summary>
    /// The observations of a cohort followed for n periods, from the numbers n₀ ≥ n₁ ≥ … ≥ n_n alive at the start of
    /// periods 0..n: n_{t−1} − n_t ended in period t, and n_n are still active after n periods. Periods in which
    /// nobody ended give no observation.
    /// </summary>
    /// <param name="alive">Subscribers alive at the start of periods 0, 1, …, n (at least two values).</param>
    /// <exception cref="ArgumentException">The counts are fewer than two, negative or increasing.</exception>
    public static IReadOnlyList<SbgObservation> FromSurvivalCounts(IReadOnlyList<int> alive)
    {
        ArgumentNullException.ThrowIfNull(alive);
        if (alive.Count < 2)
        {
            throw new ArgumentException("Survival counts need the start of at least two periods.", nameof(alive));
        }

        var observations = new List<SbgObservation>();
        for (var t = 1; t < alive.Count; t++)
        {
            if (alive[t] < 0 || alive[t] > alive[t - 1])
            {
                throw new ArgumentException($"Survival counts must be non-negative and non-increasing; period {t} has {alive[t]} after {alive[t - 1]}.", nameof(alive));
            }

            if (alive[t] < alive[t - 1])
            {
                observations.Add(new SbgObservation(t, true, alive[t - 1] - alive[t]));
            }
        }

        var last = alive[^1];
        if (last > 0)
        {
            observations.Add(new SbgObservation(alive.Count - 1, false, last));
        }

        return observations;
    }
}

/// <summary>One projected period of a cohort: the share still subscribed and the retention rate of that period.</summary>
/// <param name="Period">t, counted from the cohort's start (period 0).</param>
/// <param name="Survival">S(t), the share of the cohort alive at the start of period t.</param>
/// <param name="RetentionRate">r(t) = S(t)/S(t−1), the share of those alive at the start of period t−1 who renew into period t.</param>
public readonly record struct SbgProjection(int Period, double Survival, double RetentionRate);

/// <summary>
/// Parameters of the shifted-beta-geometric (sBG) model (Fader &amp; Hardie 2007, "How to project customer
/// retention"): each subscriber ends its contract at the end of any period with a constant probability θ, and θ is
/// beta(α, β) across subscribers. The lifetime T ≥ 1 is the period in which the contract ends.
/// </summary>
/// <param name="Alpha">α of the churn-probability beta.</param>
/// <param name="Beta">β of the churn-probability beta.</param>
public sealed record SbgParameters(double Alpha, double Beta)
{
    /// <summary>P(T = t) = B(α+1, β+t−1)/B(α, β): the share of a new cohort that ends its contract in period t ≥ 1.</summary>
    /// <param name="period">t ≥ 1.</param>
    public double ChurnProbability(int period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        return Math.Exp(ShiftedBetaGeometric.LogChurnProbability(Alpha, Beta, period));
    }

    /// <summary>S(t) = B(α, β+t)/B(α, β): the share of a new cohort alive at the start of period t ≥ 0.</summary>
    /// <param name="period">t ≥ 0.</param>
    public double Survival(int period)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(period);
        return Math.Exp(ShiftedBetaGeometric.LogSurvival(Alpha, Beta, period));
    }

    /// <summary>
    /// r(t) = S(t)/S(t−1) = (β+t−1)/(α+β+t−1): the retention rate of period t ≥ 1, which rises with t as the subscribers
    /// most likely to leave leave first.
    /// </summary>
    /// <param name="period">t ≥ 1.</param>
    public double RetentionRate(int period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        return (Beta + period - 1) / (Alpha + Beta + period - 1);
    }

    /// <summary>S(t) and r(t) for the periods after the last observed one.</summary>
    /// <param name="lastObservedPeriod">n, the last period whose start was observed (0 for a cohort just started).</param>
    /// <param name="horizonPeriods">k, the number of periods projected: t = n+1, …, n+k.</param>
    public IReadOnlyList<SbgProjection> Project(int lastObservedPeriod, int horizonPeriods)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lastObservedPeriod);
        ArgumentOutOfRangeException.ThrowIfNegative(horizonPeriods);
        var projection = new SbgProjection[horizonPeriods];
        for (var i = 0; i < horizonPeriods; i++)
        {
            var t = lastObservedPeriod + 1 + i;
            projection[i] = new SbgProjection(t, Survival(t), RetentionRate(t));
        }

        return projection;
    }

    /// <summary>
    /// DERL, the discounted expected residual lifetime of a subscriber who has made n−1 renewals (Fader &amp; Hardie
    /// 2010, "Customer-base valuation in a contractual setting", eq. 6):
    /// DERL = Σ_{t≥n} S(t)/S(n−1) · (1+d)^{−(t−n)} = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d)),
    /// the number of further payments the subscriber is expected to make, the first one (the renewal at the end of
    /// period n) undiscounted. The series is summed with a proven truncation bound of 10⁻¹⁶ relative: its terms are
    /// positive and each is less than z = 1/(1+d) times the one before, so the remainder after a term t_K is below
    /// t_K·z/(1−z). At d = 0 it is the expected residual lifetime (β+n−1)/(α−1), infinite when α ≤ 1.
    /// </summary>
    /// <param name="discountRate">d ≥ 0, the discount rate per period.</param>
    /// <param name="renewals">n−1 ≥ 0, the renewals made so far (0 for a subscriber in its first period).</param>
    /// <returns>DERL; NaN only when 0 &lt; d &lt; about 5·10⁻⁶, where the series needs more than 10⁷ terms.</returns>
    public double DiscountedExpectedResidualLifetime(double discountRate, int renewals)
    {
        if (!(discountRate >= 0) || double.IsPositiveInfinity(discountRate))
        {
            throw new ArgumentOutOfRangeException(nameof(discountRate), discountRate, "The discount rate must be finite and ≥ 0.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(renewals);
        var n = renewals + 1.0;
        if (discountRate == 0)
        {
            return Alpha > 1 ? (Beta + n - 1) / (Alpha - 1) : double.PositiveInfinity;
        }

        var retention = (Beta + n - 1) / (Alpha + Beta + n - 1);
        return retention * NumericMath.HypergeometricOneB(Beta + n, Alpha + Beta + n, 1 / (1 + discountRate));
    }

    /// <summary>
    /// The expected residual value of a subscriber who has made <paramref name="renewals"/> renewals: amount per
    /// period × margin × DERL (Fader &amp; Hardie 2010).
    /// </summary>
    /// <param name="amountPerPeriod">What the subscriber pays each period.</param>
    /// <param name="marginRatio">Gross profit per unit of revenue (1 for revenue).</param>
    /// <param name="discountRate">d ≥ 0 per period.</param>
    /// <param name="renewals">n−1 ≥ 0.</param>
    public double ResidualValue(double amountPerPeriod, double marginRatio, double discountRate, int renewals) =>
        amountPerPeriod * marginRatio * DiscountedExpectedResidualLifetime(discountRate, renewals);

    /// <summary>The log-likelihood of one observation (per subscriber): ln P(T = t) when it ended in period t, ln S(c) when active after c periods.</summary>
    /// <param name="observation">The observation; its weight is ignored.</param>
    public double LogLikelihood(SbgObservation observation) =>
        ShiftedBetaGeometric.IsValid(observation) ? ShiftedBetaGeometric.LogLikelihood(Alpha, Beta, observation) : double.NaN;
}

/// <summary>Fits the shifted-beta-geometric model to one cohort by maximum likelihood.</summary>
public static class ShiftedBetaGeometric
{
    /// <summary>
    /// Fits (α, β) over log-parameters with BFGS and the analytic gradient. The log-likelihood is
    /// Σ w·ln P(T = t) over subscriptions that ended in period t plus Σ w·ln S(c) over those active after c periods, so
    /// subscribers who started at different times (and are observed for different numbers of periods) can share a
    /// cohort. The objective is the weighted mean negative log-likelihood plus <paramref name="penalizer"/>·(α² + β²).
    /// </summary>
    /// <param name="observations">The cohort's observations, e.g. from <see cref="SbgObservation.FromSurvivalCounts"/>.</param>
    /// <param name="penalizer">L2 penalty coefficient; 0 for plain maximum likelihood.</param>
    /// <returns>
    /// The fit; it fails (with a reason) on invalid data, when nobody churned or no observation goes past the first
    /// period (the likelihood then has no maximum, or identifies only α/(α+β)), and when the optimum is not proper.
    /// </returns>
    public static FitResult<SbgParameters> Fit(IReadOnlyList<SbgObservation> observations, double penalizer = 0)
    {
        ArgumentNullException.ThrowIfNull(observations);
        var data = observations.ToArray();
        var totalWeight = data.Sum(o => o.Weight);
        return MaximumLikelihood.FitChecked(
            InvalidReason(data),
            (theta, gradient) => MeanNegativeLogLikelihood(data, totalWeight, theta, gradient),
            [1.0, 1.0],
            penalizer,
            totalWeight,
            p => new SbgParameters(p[0], p[1]));
    }

    private static string? InvalidReason(SbgObservation[] observations)
    {
        if (observations.Length == 0)
        {
            return "There are no subscribers to fit.";
        }

        for (var i = 0; i < observations.Length; i++)
        {
            if (!IsValid(observations[i]) || !(observations[i].Weight > 0) || !double.IsFinite(observations[i].Weight))
            {
                return $"Observation {i} is invalid: {observations[i]} (need a period ≥ 1 when churned, ≥ 0 when active, weight > 0).";
            }
        }

        if (!observations.Any(o => o.Churned))
        {
            return "No subscriber churned: the likelihood grows without bound as retention tends to 1, so α and β have no maximum.";
        }

        if (!observations.Any(o => o.Periods >= 2))
        {
            return "No observation goes past the first period: the data identify only the mean churn α/(α+β), not α and β.";
        }

        return null;
    }

    internal static bool IsValid(SbgObservation o) => o.Periods >= (o.Churned ? 1 : 0);

    /// <summary>ln P(T = t) = ln(α/(α+β+t−1)) + ln S(t−1), t ≥ 1.</summary>
    internal static double LogChurnProbability(double alpha, double beta, int t) =>
        Math.Log(alpha) - Math.Log(alpha + beta + t - 1) + LogSurvival(alpha, beta, t - 1);

    /// <summary>
    /// ln S(t) = ln B(α, β+t) − ln B(α, β) = [lnΓ(α+β) − lnΓ(β)] − [lnΓ(α+β+t) − lnΓ(β+t)], t ≥ 0, written as two
    /// accurate log-gamma ratios in the smaller of the shifts α and t (with β = 10⁶ and α = 10⁻⁶ a plain difference of
    /// lnΓ values would carry errors of 10⁻⁹ and could put S(1) above 1).
    /// </summary>
    internal static double LogSurvival(double alpha, double beta, int t) =>
        t == 0 ? 0.0
        : alpha <= t ? NumericMath.LogGammaRatio(beta, alpha) - NumericMath.LogGammaRatio(beta + t, alpha)
        : NumericMath.LogGammaRatio(beta, t) - NumericMath.LogGammaRatio(alpha + beta, t);

    internal static double LogLikelihood(double alpha, double beta, SbgObservation o) =>
        o.Churned ? LogChurnProbability(alpha, beta, o.Periods) : LogSurvival(alpha, beta, o.Periods);

    /// <summary>
    /// Mean negative log-likelihood and its gradient in θ = (α, β). With ψ the digamma function,
    /// ∂ln P(T=t)/∂α = 1/α + ψ(α+β) − ψ(α+β+t), ∂ln P(T=t)/∂β = ψ(β+t−1) − ψ(β) + ψ(α+β) − ψ(α+β+t),
    /// ∂ln S(c)/∂α = ψ(α+β) − ψ(α+β+c), ∂ln S(c)/∂β = ψ(β+c) − ψ(β) + ψ(α+β) − ψ(α+β+c).
    /// </summary>
    internal static double MeanNegativeLogLikelihood(SbgObservation[] data, double totalWeight, ReadOnlySpan<double> theta, Span<double> gradient)
    {
        double alpha = theta[0], beta = theta[1];
        if (!(alpha > 0 && beta > 0) || !double.IsFinite(alpha + beta))
        {
            return double.NaN;
        }

        var withGradient = gradient.Length > 0;
        var psiB = withGradient ? SpecialFunctions.DiGamma(beta) : 0.0;
        var psiAb = withGradient ? SpecialFunctions.DiGamma(alpha + beta) : 0.0;
        double sum = 0, gAlpha = 0, gBeta = 0;
        foreach (var o in data)
        {
            var w = o.Weight;
            sum += w * LogLikelihood(alpha, beta, o);
            if (!withGradient || (!o.Churned && o.Periods == 0))
            {
                continue;
            }

            var psiAbt = SpecialFunctions.DiGamma(alpha + beta + o.Periods);
            var betaShift = o.Churned ? o.Periods - 1 : o.Periods;
            gAlpha += w * ((o.Churned ? 1.0 / alpha : 0.0) + psiAb - psiAbt);
            gBeta += w * (SpecialFunctions.DiGamma(beta + betaShift) - psiB + psiAb - psiAbt);
        }

        if (withGradient)
        {
            gradient[0] = -gAlpha / totalWeight;
            gradient[1] = -gBeta / totalWeight;
        }

        return -sum / totalWeight;
    }
}

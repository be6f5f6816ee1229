using MathNet.Numerics;

namespace Clv.Analytics.Models;

/// <summary>
/// A repeat-transaction history over discrete opportunities, shared by <see cref="Weight"/> customers: the sufficient
/// statistic of the BG/BB model. Opportunity 0 is the period of the first transaction; opportunities 1..n follow it.
/// </summary>
/// <param name="Frequency">x: the opportunities, of the n, with a transaction (0 ≤ x ≤ t_x).</param>
/// <param name="Recency">t_x: the last opportunity with a transaction (x ≤ t_x ≤ n); 0 when x = 0.</param>
/// <param name="Opportunities">n ≥ 0: the opportunities observed after the first transaction.</param>
/// <param name="Weight">How many customers share the history.</param>
public readonly record struct BgBbPattern(int Frequency, int Recency, int Opportunities, double Weight)
{
    /// <summary>The pattern of one customer (weight 1) from the opportunities in which they transacted.</summary>
    /// <param name="transactionOpportunities">
    /// Opportunities with a transaction, counted from the first transaction's period (0). Several in one opportunity
    /// count once; 0 and anything after <paramref name="opportunities"/> (a period not yet complete) are not opportunities
    /// of the history and are ignored.
    /// </param>
    /// <param name="opportunities">n ≥ 0, the whole opportunities observed.</param>
    /// <exception cref="ArgumentOutOfRangeException">An opportunity is negative, or n is.</exception>
    public static BgBbPattern FromTransactionOpportunities(IEnumerable<int> transactionOpportunities, int opportunities)
    {
        ArgumentNullException.ThrowIfNull(transactionOpportunities);
        ArgumentOutOfRangeException.ThrowIfNegative(opportunities);
        var seen = new HashSet<int>();
        foreach (var t in transactionOpportunities)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(t, nameof(transactionOpportunities));
            if (t >= 1 && t <= opportunities)
            {
                seen.Add(t);
            }
        }

        return new BgBbPattern(seen.Count, seen.Count == 0 ? 0 : seen.Max(), opportunities, 1);
    }

    /// <summary>
    /// Merges identical (x, t_x, n) into one pattern, summing the weights, so that fitting costs grow with distinct
    /// histories rather than customers. Patterns keep the order in which they are first seen.
    /// </summary>
    /// <param name="patterns">One entry per customer (weight 1) or already weighted patterns.</param>
    public static IReadOnlyList<BgBbPattern> Collapse(IEnumerable<BgBbPattern> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        return patterns
            .GroupBy(p => (p.Frequency, p.Recency, p.Opportunities))
            .Select(g => new BgBbPattern(g.Key.Frequency, g.Key.Recency, g.Key.Opportunities, g.Sum(p => p.Weight)))
            .ToList();
    }

    /// <summary>
    /// The history of a run's portfolio pattern, whose (x, t_x, T) count whole opportunities (a portfolio read in
    /// periods, see <see cref="TimeUnit"/>).
    /// </summary>
    /// <param name="pattern">The pattern, in opportunities.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is not a whole number, or the history is not possible.</exception>
    public static BgBbPattern From(RfmPattern pattern) =>
        new(Whole(pattern.Frequency), Whole(pattern.Recency), Whole(pattern.Age), pattern.Weight);

    internal static int Whole(double count)
    {
        var whole = Math.Round(count);
        if (!(Math.Abs(count - whole) < 1e-9 && whole is >= 0 and <= int.MaxValue))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "BG/BB counts whole opportunities.");
        }

        return (int)whole;
    }

    internal static bool IsValidHistory(int x, int tx, int n) =>
        n >= 0 && x >= 0 && tx <= n && x <= tx && (x == 0) == (tx == 0);
}

/// <summary>
/// Parameters of the BG/BB model (Fader, Hardie &amp; Shang 2010, "Customer-base analysis in a discrete-time
/// noncontractual setting"): while alive, a customer transacts at each opportunity with probability p, beta(α, β) across
/// customers, and dies before each following opportunity with probability θ, beta(γ, δ) across customers.
/// </summary>
/// <param name="Alpha">α of the transaction-probability beta.</param>
/// <param name="Beta">β of the transaction-probability beta.</param>
/// <param name="Gamma">γ of the dropout-probability beta.</param>
/// <param name="Delta">δ of the dropout-probability beta.</param>
/// <remarks>
/// As an <see cref="IPurchaseModel"/>, x, t_x and T are whole opportunities, and the expected purchases by time t are
/// those of the ⌊t⌋ opportunities that have come by then: opportunity n + k comes k periods after the last one observed.
/// </remarks>
public sealed record BgBbParameters(double Alpha, double Beta, double Gamma, double Delta) : IPurchaseModel
{
    /// <summary>
    /// P(alive at opportunity n+1 | x, t_x, n) = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n+1)/B(γ, δ) / L(α, β, γ, δ | x, t_x, n)
    /// (FHS 2010, eq. 11).
    /// </summary>
    /// <param name="frequency">x.</param>
    /// <param name="recency">t_x.</param>
    /// <param name="opportunities">n.</param>
    /// <exception cref="ArgumentOutOfRangeException">(x, t_x, n) is not a possible history.</exception>
    public double ProbabilityAlive(int frequency, int recency, int opportunities)
    {
        Validate(frequency, recency, opportunities);
        return Math.Exp(BgBb.LogAliveThrough(this, frequency, opportunities, opportunities + 1)
            - BgBb.LogLikelihood(this, frequency, recency, opportunities));
    }

    /// <summary>
    /// E[X(n, n+n*) | x, t_x, n], the expected transactions in the next n* opportunities (FHS 2010, eq. 13):
    /// (α+x)/(α+β+n) · Σ_{k=1..n*} P(alive at n+k | x, t_x, n), where each survival probability is the one before times
    /// (δ+n+k−1)/(γ+δ+n+k−1). Summed term by term (cost O(n*)), which equals the paper's closed form
    /// B(α+x+1, β+n−x)/B(α, β) · δ/(γ−1) · Γ(γ+δ)/Γ(1+δ) · [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)] / L
    /// and, unlike it, has no 0/0 at γ = 1.
    /// </summary>
    /// <param name="futureOpportunities">n* ≥ 0.</param>
    /// <param name="frequency">x.</param>
    /// <param name="recency">t_x.</param>
    /// <param name="opportunities">n.</param>
    /// <exception cref="ArgumentOutOfRangeException">(x, t_x, n) is not a possible history, or n* &lt; 0.</exception>
    public double ConditionalExpectedTransactions(int futureOpportunities, int frequency, int recency, int opportunities)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(futureOpportunities);
        Span<double> expected = stackalloc double[1];
        Accumulate([futureOpportunities], frequency, recency, opportunities, expected);
        return expected[0];
    }

    /// <inheritdoc/>
    double IPurchaseModel.ConditionalExpectedPurchases(double t, double frequency, double recency, double age) =>
        ConditionalExpectedTransactions(OpportunitiesBy(t), BgBbPattern.Whole(frequency), BgBbPattern.Whole(recency), BgBbPattern.Whole(age));

    /// <inheritdoc/>
    double IPurchaseModel.ProbabilityAlive(double frequency, double recency, double age) =>
        ProbabilityAlive(BgBbPattern.Whole(frequency), BgBbPattern.Whole(recency), BgBbPattern.Whole(age));

    /// <summary>The expectations at every time in one pass over the opportunities up to the last, O(n* + times).</summary>
    void IPurchaseModel.CumulativeExpectedPurchases(ReadOnlySpan<double> times, double frequency, double recency, double age, Span<double> destination)
    {
        Span<int> opportunities = times.Length <= 256 ? stackalloc int[times.Length] : new int[times.Length];
        for (var i = 0; i < times.Length; i++)
        {
            opportunities[i] = OpportunitiesBy(times[i]);
        }

        Accumulate(opportunities, BgBbPattern.Whole(frequency), BgBbPattern.Whole(recency), BgBbPattern.Whole(age), destination);
    }

    // The whole opportunities within t periods; the tolerance keeps 12 · (1/12) a whole year.
    private static int OpportunitiesBy(double t) => t >= 0 ? (int)Math.Min(Math.Floor(t + 1e-9), int.MaxValue) : throw new ArgumentOutOfRangeException(nameof(t), t, "Need t ≥ 0.");

    // E[X(n, n+n*_i)] for increasing n*_i: each opportunity's P(alive) is the one before times (δ+m)/(γ+δ+m).
    private void Accumulate(ReadOnlySpan<int> futureOpportunities, int frequency, int recency, int opportunities, Span<double> destination)
    {
        var alive = ProbabilityAlive(frequency, recency, opportunities);
        var transact = (Alpha + frequency) / (Alpha + Beta + opportunities);
        var sum = 0.0;
        var k = 0;
        for (var i = 0; i < futureOpportunities.Length; i++)
        {
            if (i > 0 && futureOpportunities[i] < futureOpportunities[i - 1])
            {
                throw new ArgumentException("The forecast lengths must increase.", nameof(futureOpportunities));
            }

            for (; k < futureOpportunities[i]; k++)
            {
                sum += alive;
                var m = opportunities + k + 1;
                alive *= (Delta + m) / (Gamma + Delta + m);
            }

            destination[i] = transact * sum;
        }
    }

    /// <summary>The log-likelihood of one customer's (x, t_x, n).</summary>
    /// <param name="frequency">x.</param>
    /// <param name="recency">t_x.</param>
    /// <param name="opportunities">n.</param>
    /// <exception cref="ArgumentOutOfRangeException">(x, t_x, n) is not a possible history.</exception>
    public double LogLikelihood(int frequency, int recency, int opportunities)
    {
        Validate(frequency, recency, opportunities);
        return BgBb.LogLikelihood(this, frequency, recency, opportunities);
    }

    private static void Validate(int x, int tx, int n)
    {
        if (!BgBbPattern.IsValidHistory(x, tx, n))
        {
            throw new ArgumentOutOfRangeException(nameof(x), (x, tx, n), "Need 0 ≤ x ≤ t_x ≤ n, with t_x = 0 exactly when x = 0.");
        }
    }
}

/// <summary>Fits the BG/BB model by maximum likelihood.</summary>
public static class BgBb
{
    /// <summary>
    /// Fits (α, β, γ, δ) over log-parameters with BFGS and the analytic gradient. The objective is the weighted mean
    /// negative log-likelihood plus <paramref name="penalizer"/>·(α² + β² + γ² + δ²), as for the other models. Each
    /// pattern costs O(n − t_x).
    /// </summary>
    /// <param name="patterns">Customers or weighted distinct histories (see <see cref="BgBbPattern.Collapse"/>).</param>
    /// <param name="penalizer">L2 penalty coefficient; 0 for plain maximum likelihood.</param>
    /// <param name="cancellationToken">Stops the fit (<see cref="OperationCanceledException"/>).</param>
    public static FitResult<BgBbParameters> Fit(IReadOnlyList<BgBbPattern> patterns, double penalizer = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var data = patterns.ToArray();
        var totalWeight = data.Sum(p => p.Weight);
        return MaximumLikelihood.FitChecked(
            InvalidReason(data),
            (theta, gradient) => MeanNegativeLogLikelihood(data, totalWeight, theta, gradient),
            [1.0, 1.0, 1.0, 1.0],
            penalizer,
            totalWeight,
            p => new BgBbParameters(p[0], p[1], p[2], p[3]),
            cancellationToken);
    }

    private static string? InvalidReason(BgBbPattern[] patterns)
    {
        if (patterns.Length == 0)
        {
            return "There are no customers to fit.";
        }

        for (var i = 0; i < patterns.Length; i++)
        {
            var p = patterns[i];
            if (!BgBbPattern.IsValidHistory(p.Frequency, p.Recency, p.Opportunities) || !(p.Weight > 0) || !double.IsFinite(p.Weight))
            {
                return $"Pattern {i} is invalid: {p} (need 0 ≤ x ≤ t_x ≤ n, t_x = 0 exactly when x = 0, weight > 0).";
            }
        }

        return null;
    }

    internal static double MeanNegativeLogLikelihood(BgBbPattern[] data, double totalWeight, ReadOnlySpan<double> theta, Span<double> gradient)
    {
        if (!(theta[0] > 0 && theta[1] > 0 && theta[2] > 0 && theta[3] > 0) || !double.IsFinite(theta[0] + theta[1] + theta[2] + theta[3]))
        {
            return double.NaN;
        }

        var parameters = new BgBbParameters(theta[0], theta[1], theta[2], theta[3]);
        var withGradient = gradient.Length > 0;
        var digammas = withGradient ? new Digammas(parameters) : default;
        Span<double> patternGradient = stackalloc double[withGradient ? 4 : 0];
        if (withGradient)
        {
            gradient.Clear();
        }

        var sum = 0.0;
        foreach (var p in data)
        {
            sum += p.Weight * LogLikelihood(parameters, p.Frequency, p.Recency, p.Opportunities, patternGradient, in digammas);
            for (var i = 0; i < patternGradient.Length; i++)
            {
                gradient[i] -= p.Weight * patternGradient[i] / totalWeight;
            }
        }

        return -sum / totalWeight;
    }

    /// <summary>
    /// ln B(α+x, β+m−x)/B(α, β) + ln B(γ, δ+m)/B(γ, δ): the log-probability of the x transactions in the first n
    /// opportunities (n ≤ m) and of being alive through opportunity m.
    /// </summary>
    internal static double LogAliveThrough(BgBbParameters q, int x, int n, int m) =>
        LogTransactions(q, x, n) + NumericMath.LogGammaRatio(q.Delta, m) - NumericMath.LogGammaRatio(q.Gamma + q.Delta, m);

    /// <summary>ln B(α+x, β+n−x)/B(α, β) = ln[Γ(α+x)/Γ(α)] + ln[Γ(β+n−x)/Γ(β)] − ln[Γ(α+β+n)/Γ(α+β)].</summary>
    private static double LogTransactions(BgBbParameters q, int x, int n) =>
        NumericMath.LogGammaRatio(q.Alpha, x) + NumericMath.LogGammaRatio(q.Beta, n - x) - NumericMath.LogGammaRatio(q.Alpha + q.Beta, n);

    /// <summary>ln L(α, β, γ, δ | x, t_x, n), without the gradient.</summary>
    internal static double LogLikelihood(BgBbParameters q, int x, int tx, int n) => LogLikelihood(q, x, tx, n, [], default);

    /// <summary>
    /// ln L(α, β, γ, δ | x, t_x, n) (FHS 2010, eq. 5): L = A_n + Σ_{m=t_x}^{n−1} D_m with
    /// A_n = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ) (alive through n) and
    /// D_m = B(α+x, β+m−x)/B(α, β) · B(γ+1, δ+m)/B(γ, δ) (alive through m, dead before m+1). The D_m follow from D_{t_x}
    /// by the ratios (β+m−x)/(α+β+m) and (δ+m)/(γ+δ+m+1), and are summed in logs. The gradient, when asked, is the
    /// terms' weighted average of ∂ln(term)/∂θ, in digammas carried along by ψ(y+1) = ψ(y) + 1/y.
    /// </summary>
    internal static double LogLikelihood(BgBbParameters q, int x, int tx, int n, Span<double> gradient, in Digammas psi)
    {
        double alpha = q.Alpha, beta = q.Beta, gamma = q.Gamma, delta = q.Delta;
        var withGradient = gradient.Length > 0;
        var sum = new LogSumWithGradient();
        var logTransactions = LogTransactions(q, x, tx);
        var logDropout = Math.Log(gamma) - Math.Log(gamma + delta)
            + NumericMath.LogGammaRatio(delta, tx) - NumericMath.LogGammaRatio(gamma + delta + 1, tx);
        double psiAx = 0, psiBm = 0, psiAbm = 0, psiDm = 0, psiGdm1 = 0;
        if (withGradient)
        {
            psiAx = SpecialFunctions.DiGamma(alpha + x);
            psiBm = SpecialFunctions.DiGamma(beta + tx - x);
            psiAbm = SpecialFunctions.DiGamma(alpha + beta + tx);
            psiDm = SpecialFunctions.DiGamma(delta + tx);
            psiGdm1 = SpecialFunctions.DiGamma(gamma + delta + tx + 1);
        }

        for (var m = tx; m < n; m++)
        {
            if (withGradient)
            {
                sum.Add(
                    logTransactions + logDropout,
                    psiAx - psi.Alpha + psi.AlphaBeta - psiAbm,
                    psiBm - psi.Beta + psi.AlphaBeta - psiAbm,
                    (1.0 / gamma) + psi.GammaDelta - psiGdm1,
                    psiDm - psi.Delta + psi.GammaDelta - psiGdm1);
                psiBm += 1.0 / (beta + m - x);
                psiAbm += 1.0 / (alpha + beta + m);
                psiDm += 1.0 / (delta + m);
                psiGdm1 += 1.0 / (gamma + delta + m + 1);
            }
            else
            {
                sum.Add(logTransactions + logDropout);
            }

            logTransactions += Math.Log((beta + m - x) / (alpha + beta + m));
            logDropout += Math.Log((delta + m) / (gamma + delta + m + 1));
        }

        var logAlive = logTransactions + NumericMath.LogGammaRatio(delta, n) - NumericMath.LogGammaRatio(gamma + delta, n);
        if (withGradient)
        {
            var psiGdn = psiGdm1 - (1.0 / (gamma + delta + n));
            sum.Add(
                logAlive,
                psiAx - psi.Alpha + psi.AlphaBeta - psiAbm,
                psiBm - psi.Beta + psi.AlphaBeta - psiAbm,
                psi.GammaDelta - psiGdn,
                psiDm - psi.Delta + psi.GammaDelta - psiGdn);
            sum.Gradient(gradient);
        }
        else
        {
            sum.Add(logAlive);
        }

        return sum.Log;
    }

    /// <summary>The digammas of the parameters that every pattern's gradient uses.</summary>
    internal readonly struct Digammas(BgBbParameters q)
    {
        public double Alpha { get; } = SpecialFunctions.DiGamma(q.Alpha);

        public double Beta { get; } = SpecialFunctions.DiGamma(q.Beta);

        public double AlphaBeta { get; } = SpecialFunctions.DiGamma(q.Alpha + q.Beta);

        public double Delta { get; } = SpecialFunctions.DiGamma(q.Delta);

        public double GammaDelta { get; } = SpecialFunctions.DiGamma(q.Gamma + q.Delta);
    }

    /// <summary>ln Σ e^{lᵢ} and Σ e^{lᵢ}·∇ᵢ / Σ e^{lᵢ}, accumulated with a running maximum so nothing overflows.</summary>
    private struct LogSumWithGradient
    {
        private double _max;
        private double _sum;
        private double _g0;
        private double _g1;
        private double _g2;
        private double _g3;

        public LogSumWithGradient() => _max = double.NegativeInfinity;

        public readonly double Log => _max + Math.Log(_sum);

        public void Add(double logTerm, double d0 = 0, double d1 = 0, double d2 = 0, double d3 = 0)
        {
            if (logTerm > _max)
            {
                var scale = Math.Exp(_max - logTerm);
                _sum *= scale;
                _g0 *= scale;
                _g1 *= scale;
                _g2 *= scale;
                _g3 *= scale;
                _max = logTerm;
            }

            var e = Math.Exp(logTerm - _max);
            _sum += e;
            _g0 += e * d0;
            _g1 += e * d1;
            _g2 += e * d2;
            _g3 += e * d3;
        }

        public readonly void Gradient(Span<double> destination)
        {
            destination[0] = _g0 / _sum;
            destination[1] = _g1 / _sum;
            destination[2] = _g2 / _sum;
            destination[3] = _g3 / _sum;
        }
    }
}

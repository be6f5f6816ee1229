using Clv.Analytics.Models;

namespace Clv.Analytics.Predictions;

/// <summary>How a run's intervals are computed.</summary>
/// <param name="Level">The interval's coverage, in (0, 1): 0.90 gives the 5th and 95th percentiles.</param>
/// <param name="Draws">Parameter draws, ≥ 1.</param>
/// <param name="Seed">The seed of the draws: the same seed, fits and data give the same intervals.</param>
public sealed record IntervalSettings(double Level, int Draws, int Seed);

/// <summary>
/// A parametric bootstrap of a run's predictions: <see cref="IntervalSettings.Draws"/> draws of the purchase
/// model's and of the spend model's parameters from their fits' sampling distributions
/// (<see cref="ParameterSampler"/>, the two models drawn independently as they are fitted independently), each
/// predicting as the point estimates do; an interval is the percentile interval of a figure over the draws.
/// </summary>
public sealed class PredictionBootstrap
{
    private PredictionBootstrap(IntervalSettings settings, ClvProjection projection, double[][] purchaseDraws, double[][] spendDraws, Func<double[], IPurchaseModel> purchases, Func<double[], GammaGammaParameters> spend)
    {
        Settings = settings;
        Projection = projection;
        PurchaseParameters = purchaseDraws;
        SpendParameters = spendDraws;
        Purchases = [.. purchaseDraws.Select(purchases)];
        Spend = [.. spendDraws.Select(spend)];
    }

    /// <summary>The level, draws and seed.</summary>
    public IntervalSettings Settings { get; }

    /// <summary>The CLV's horizon, discount rate and time unit.</summary>
    public ClvProjection Projection { get; }

    /// <summary>The purchase model's parameters of each draw, in the model's order.</summary>
    public IReadOnlyList<double[]> PurchaseParameters { get; }

    /// <summary>The spend model's (p, q, γ) of each draw.</summary>
    public IReadOnlyList<double[]> SpendParameters { get; }

    /// <summary>The purchase model of each draw.</summary>
    public IReadOnlyList<IPurchaseModel> Purchases { get; }

    /// <summary>The spend model of each draw.</summary>
    public IReadOnlyList<GammaGammaParameters> Spend { get; }

    /// <summary>
    /// Draws the parameters: one <see cref="Random"/> seeded with <see cref="IntervalSettings.Seed"/>, each draw
    /// taking the purchase model's normals, then the spend model's. Null when either fit has no usable covariance
    /// (missing, or not positive definite).
    /// </summary>
    public static PredictionBootstrap? Draw(
        ParameterUncertainty<IPurchaseModel> purchases, ParameterUncertainty<GammaGammaParameters> spend, ClvProjection projection, IntervalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        ArgumentNullException.ThrowIfNull(spend);
        ArgumentNullException.ThrowIfNull(settings);
        if (!(settings.Level > 0 && settings.Level < 1) || settings.Draws < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings, "The level lies in (0, 1) and there is at least one draw.");
        }

        var purchaseSampler = ParameterSampler.Create(purchases.Estimates, purchases.LogCovariance);
        var spendSampler = ParameterSampler.Create(spend.Estimates, spend.LogCovariance);
        if (purchaseSampler is null || spendSampler is null)
        {
            return null;
        }

        var random = new Random(settings.Seed);
        var purchaseDraws = new double[settings.Draws][];
        var spendDraws = new double[settings.Draws][];
        for (var d = 0; d < settings.Draws; d++)
        {
            purchaseDraws[d] = new double[purchaseSampler.Dimension];
            purchaseSampler.Draw(random, purchaseDraws[d]);
            spendDraws[d] = new double[spendSampler.Dimension];
            spendSampler.Draw(random, spendDraws[d]);
        }

        return new PredictionBootstrap(settings, projection, purchaseDraws, spendDraws, purchases.Create, spend.Create);
    }

    /// <summary>
    /// The percentile interval at the level of <paramref name="values"/> (one per draw; reordered in place): the
    /// quantiles at (1 − level)/2 and (1 + level)/2 by <see cref="Quantile"/>, their order statistics found by selection
    /// rather than a sort. Values that are not a number (a draw whose prediction cannot be evaluated) are left out;
    /// (NaN, NaN) when none is left.
    /// </summary>
    public (double Lower, double Upper) Percentiles(Span<double> values) => Percentiles(values, Settings.Level);

    /// <summary><see cref="Percentiles(Span{double})"/> at <paramref name="level"/>.</summary>
    public static (double Lower, double Upper) Percentiles(Span<double> values, double level)
    {
        var count = 0;
        foreach (var value in values)
        {
            if (!double.IsNaN(value))
            {
                values[count++] = value;
            }
        }

        var valid = values[..count];
        return valid.IsEmpty
            ? (double.NaN, double.NaN)
            : (SelectedQuantile(valid, (1 - level) / 2), SelectedQuantile(valid, (1 + level) / 2));
    }

    /// <summary>
    /// The quantile at <paramref name="probability"/> of sorted values, interpolated linearly between order statistics
    /// (Hyndman and Fan's type 7, the default of R and NumPy): with h = (n − 1)·probability, v[⌊h⌋] + (h − ⌊h⌋)(v[⌊h⌋+1] − v[⌊h⌋]).
    /// </summary>
    public static double Quantile(ReadOnlySpan<double> sorted, double probability)
    {
        var h = (sorted.Length - 1) * probability;
        var below = (int)Math.Floor(h);
        return below >= sorted.Length - 1 ? sorted[^1] : Interpolate(sorted[below], sorted[below + 1], h - below);
    }

    // Quantile of values in any order (reordered in place, no NaN): v[⌊h⌋] by selection, then v[⌊h⌋+1] as the least
    // of the values after it.
    private static double SelectedQuantile(Span<double> values, double probability)
    {
        var h = (values.Length - 1) * probability;
        var below = Math.Min((int)Math.Floor(h), values.Length - 1);
        Select(values, below);
        if (below == values.Length - 1)
        {
            return values[below];
        }

        var next = values[below + 1];
        foreach (var value in values[(below + 2)..])
        {
            next = Math.Min(next, value);
        }

        return Interpolate(values[below], next, h - below);
    }

    private static double Interpolate(double below, double above, double fraction) =>
        fraction == 0 || below == above ? below : below + (fraction * (above - below));

    // Hoare's selection: reorders values so that values[k] is the k-th smallest, none after it smaller and none
    // before it larger.
    private static void Select(Span<double> values, int k)
    {
        var (low, high) = (0, values.Length - 1);
        while (low < high)
        {
            var pivot = values[low + ((high - low) / 2)];
            var (i, j) = (low, high);
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }

                while (values[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                high = j;
            }
            else if (k >= i)
            {
                low = i;
            }
            else
            {
                return;
            }
        }
    }
}

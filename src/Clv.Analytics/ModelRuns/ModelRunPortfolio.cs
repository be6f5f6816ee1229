using System.Runtime.CompilerServices;
using Clv.Analytics.Models;
using Clv.Analytics.Predictions;

namespace Clv.Analytics.ModelRuns;

/// <summary>Every predicted customer's calibration summary, held as flat arrays for one run.</summary>
/// <param name="unit">The run's unit of t_x and T.</param>
public sealed partial class ModelRunPortfolio(TimeUnit unit)
{
    /// <summary>
    /// The lowest gross margin a gross-profit CLV is predicted from: a customer whose every cost is
    /// the most ingest accepts, ten times the amount, has −9. Below it, or above 1 (costs refunded
    /// beyond those bought), the margin comes from a net revenue near zero after refunds, says
    /// nothing about future purchases, and can be as large as 10^17.
    /// </summary>
    public const double MinMargin = -9;

    /// <summary>The highest gross margin a gross-profit CLV is predicted from: no cost at all.</summary>
    public const double MaxMargin = 1;

    /// <summary>
    /// How many customers a pass over them computes between two looks at its cancellation token:
    /// a few milliseconds of work, so that a run stopped (its service stopping, its lease lost, its
    /// time up) stops at once at any size instead of after its stage.
    /// </summary>
    public const int CancellationStride = 4_096;

    private readonly List<long> _ids = [];
    private readonly List<double> _frequency = [];
    private readonly List<double> _recency = [];
    private readonly List<double> _age = [];
    private readonly List<double> _monetary = [];
    private readonly List<double> _margin = [];
    private readonly double _daysPerUnit = RfmSummaryBuilder.DaysPer(unit);

    /// <summary>Customers added.</summary>
    public int Count => _ids.Count;

    /// <summary>Adds a customer: x = purchase days − 1, t_x and T from the first purchase day, in the run's unit.</summary>
    public void Add(ModelInput input) =>
        Add(input.CustomerId, input.PurchaseDays - 1, input.RecencyDays / _daysPerUnit, input.AgeDays / _daysPerUnit, input.MonetaryValue, input.Margin);

    /// <summary>Adds a customer whose history is counted in whole periods, for a discrete-opportunity model.</summary>
    public void Add(PeriodInput input) =>
        Add(input.CustomerId, input.Transactions, input.LastTransaction, input.Opportunities, input.MonetaryValue, input.Margin);

    /// <summary>
    /// Adds a customer whose history is already in the run's unit: x, t_x and T (continuous, as the models' generative
    /// process has them), m_x the mean value of the repeat purchases, and the gross margin (NaN when unknown).
    /// </summary>
    public void Add(long customerId, double frequency, double recency, double age, double monetaryValue, double margin)
    {
        _ids.Add(customerId);
        _frequency.Add(frequency);
        _recency.Add(recency);
        _age.Add(age);
        _monetary.Add(monetaryValue);
        _margin.Add(margin);
    }

    /// <summary>Adds every customer of <paramref name="other"/> (read in the same unit), after those added so far.</summary>
    public void Append(ModelRunPortfolio other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._daysPerUnit != _daysPerUnit)
        {
            throw new ArgumentException("The portfolios are in different time units.", nameof(other));
        }

        _ids.AddRange(other._ids);
        _frequency.AddRange(other._frequency);
        _recency.AddRange(other._recency);
        _age.AddRange(other._age);
        _monetary.AddRange(other._monetary);
        _margin.AddRange(other._margin);
    }

    /// <summary>Identical (x, t_x, T) collapsed into one pattern weighted by its customers.</summary>
    public List<RfmPattern> Patterns()
    {
        var weights = new Dictionary<(double, double, double), double>();
        for (var i = 0; i < Count; i++)
        {
            var key = (_frequency[i], _recency[i], _age[i]);
            weights[key] = weights.GetValueOrDefault(key) + 1;
        }

        return weights.Select(w => new RfmPattern(w.Key.Item1, w.Key.Item2, w.Key.Item3, w.Value)).ToList();
    }

    /// <summary>
    /// The spend model's data: customers with repeat purchases and a positive mean repeat value,
    /// identical (x, m_x) collapsed into one weighted observation.
    /// </summary>
    public List<SpendPattern> SpendPatterns()
    {
        var weights = new Dictionary<(double, double), double>();
        for (var i = 0; i < Count; i++)
        {
            if (_frequency[i] > 0 && _monetary[i] > 0)
            {
                var key = (_frequency[i], _monetary[i]);
                weights[key] = weights.GetValueOrDefault(key) + 1;
            }
        }

        return weights.Select(w => new SpendPattern(w.Key.Item1, w.Key.Item2, w.Value)).ToList();
    }

    /// <summary>Every customer's prediction, computed in optimized passes over ranges of customers, side by side.</summary>
    /// <param name="predictor">The fitted models' predictor.</param>
    /// <param name="cancellationToken">Stops the passes within <see cref="CancellationStride"/> customers.</param>
    public PredictionColumns Predict(PortfolioPredictor predictor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        var columns = new PredictionColumns(Count);
        // In one range of customers per core, each with a predictor of its own (its patterns memo is
        // not shared): every customer's figures are the same whichever range computes them.
        var ranges = Math.Max(1, Math.Min(Environment.ProcessorCount, Count / 10_000));
        var size = (Count + ranges - 1) / ranges;
        // Awaited so that a failure (a prediction that is not finite) comes out as itself, not wrapped.
        Task.WhenAll(Enumerable.Range(0, ranges).Select(range => Task.Run(() =>
            PredictRange(range == 0 ? predictor : predictor.WithOwnMemo(), columns, range * size, Math.Min(Count, (range + 1) * size), cancellationToken), cancellationToken)))
            .GetAwaiter().GetResult();
        return columns;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PredictRange(PortfolioPredictor predictor, PredictionColumns columns, int from, int to, CancellationToken cancellationToken)
    {
        for (var block = from; block < to; block += CancellationStride)
        {
            cancellationToken.ThrowIfCancellationRequested();
            PredictBlock(predictor, columns, block, Math.Min(to, block + CancellationStride));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PredictBlock(PortfolioPredictor predictor, PredictionColumns columns, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            var p = predictor.Predict(_frequency[i], _recency[i], _age[i], _monetary[i]);
            if (!double.IsFinite(p.PredictedClv) || !double.IsFinite(p.ProbabilityAlive) || !double.IsFinite(p.ExpectedAverageSpend))
            {
                throw new ModelRunFailedException($"The prediction for x={_frequency[i]}, t_x={_recency[i]:F3}, T={_age[i]:F3} is not finite.");
            }

            columns.CustomerIds[i] = _ids[i];
            columns.Frequency[i] = _frequency[i];
            columns.Recency[i] = _recency[i];
            columns.Age[i] = _age[i];
            columns.ExpectedPurchases[i] = p.ExpectedPurchases;
            columns.ProbabilityAlive[i] = p.ProbabilityAlive;
            columns.ExpectedAverageSpend[i] = PredictionColumns.Money(p.ExpectedAverageSpend);
            columns.PredictedClv[i] = PredictionColumns.Money(p.PredictedClv);
            columns.PredictedGrossProfitClv[i] = _margin[i] is >= MinMargin and <= MaxMargin ? PredictionColumns.Money(p.PredictedClv * _margin[i]) : null;
        }
    }

    /// <summary>
    /// Predicted against actual holdout purchases, in total and by calibration frequency, over a
    /// holdout of <paramref name="length"/> in the run's unit.
    /// </summary>
    /// <param name="predictor">The predictor of the model compared.</param>
    /// <param name="actual">Purchases per customer in the holdout: purchase days, or purchase periods for a discrete model.</param>
    /// <param name="length">The holdout's length in the run's unit.</param>
    /// <param name="cancellationToken">Stops the pass within <see cref="CancellationStride"/> customers.</param>
    public HoldoutComparison Holdout(PortfolioPredictor predictor, IReadOnlyDictionary<long, int> actual, double length, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        ArgumentNullException.ThrowIfNull(actual);
        var buckets = Enumerable.Range(0, 8).Select(_ => (Customers: 0, Predicted: 0.0, Actual: 0L)).ToArray();
        double absoluteError = 0;
        var cache = new Dictionary<(double, double, double), double>();
        for (var i = 0; i < Count; i++)
        {
            if (i % CancellationStride == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var key = (_frequency[i], _recency[i], _age[i]);
            if (!cache.TryGetValue(key, out var predicted))
            {
                predicted = predictor.ExpectedPurchases(length, _frequency[i], _recency[i], _age[i]);
                cache[key] = predicted;
            }

            var observed = actual.GetValueOrDefault(_ids[i]);
            var b = (int)Math.Min(_frequency[i], 7);
            buckets[b] = (buckets[b].Customers + 1, buckets[b].Predicted + predicted, buckets[b].Actual + observed);
            absoluteError += Math.Abs(predicted - observed);
        }

        return new HoldoutComparison(
            length,
            Count,
            buckets.Sum(b => b.Predicted),
            buckets.Sum(b => b.Actual),
            absoluteError / Count,
            buckets.Select((b, i) => new HoldoutFrequencyBucket(
                i == 7 ? "7+" : i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                b.Customers,
                b.Predicted,
                b.Actual)).ToList());
    }

}

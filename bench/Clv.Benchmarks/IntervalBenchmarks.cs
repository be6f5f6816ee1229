using System.Globalization;
using BenchmarkDotNet.Attributes;
using Clv.Analytics.ModelRuns;
using Clv.Analytics.Models;
using Clv.Analytics.Predictions;

namespace Clv.Benchmarks;

/// <summary>
/// The model run's intervals stage on CDNOW_master as the model-run benchmark has it (every purchase to 1998-06-30,
/// weeks, ×40: 942,800 customers), with the run's default bootstrap (200 draws) and two groupings of the customers.
/// </summary>
[MemoryDiagnoser]
public class IntervalBenchmarks
{
    private ModelRunPortfolio _portfolio = null!;
    private PredictionBootstrap _bootstrap = null!;
    private CustomerGrouping[] _groupings = [];

    [Params(40)]
    public int Scale { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var customers = CdnowMaster.Load(CdnowMaster.DefaultPath(), new DateOnly(1998, 6, 30));
        _portfolio = new ModelRunPortfolio(TimeUnit.Weeks);
        long id = 0;
        for (var copy = 0; copy < Scale; copy++)
        {
            foreach (var c in customers)
            {
                _portfolio.Add(++id, c.Frequency, c.Recency, c.Age, (double)c.MonetaryValue, double.NaN);
            }
        }

        var fits = ModelRunFits.Fit(_portfolio, [ModelNames.BgNbd, ModelNames.GammaGamma], ModelNames.BgNbd, 0);
        var projection = new ClvProjection(12, 0.01, TimeUnit.Weeks);
        _bootstrap = fits.Bootstrap(projection, new IntervalSettings(0.9, 200, 1)) ?? throw new InvalidOperationException("No covariance.");
        _groupings = [new("channel", i => (i % 5).ToString(CultureInfo.InvariantCulture)), new("country", i => (i % 7).ToString(CultureInfo.InvariantCulture))];
        Console.WriteLine($"customers {_portfolio.Count}, distinct patterns {_portfolio.Patterns().Count}");
    }

    [Benchmark]
    public double Intervals() => _portfolio.Intervals(_bootstrap, _groupings).Equity[0].Upper;
}

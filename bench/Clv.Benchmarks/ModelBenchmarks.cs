using BenchmarkDotNet.Attributes;
using Clv.Analytics.Models;
using Clv.Analytics.Predictions;

namespace Clv.Benchmarks;

/// <summary>
/// Fits and predictions on the CDNOW_master calibration summary, at ×1 (23,570 customers) and ×40 (the same
/// customers replicated 40 times: 40× the weights for the fits, 40× the customers for the predictions).
/// </summary>
[MemoryDiagnoser]
public class ModelBenchmarks
{
    private RfmPattern[] _patterns = [];
    private SpendPattern[] _spend = [];
    private RfmPattern[] _customers = [];
    private RfmSummary[] _summaries = [];
    private double[] _destination = [];
    private BgNbdParameters _bgNbd = null!;
    private GammaGammaParameters _gammaGamma = null!;

    [Params(1, 40)]
    public int Scale { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var customers = CdnowMaster.Load(CdnowMaster.DefaultPath());
        _patterns = RfmPattern.Collapse(customers).Select(p => p with { Weight = p.Weight * Scale }).ToArray();
        _spend = customers.Select(c => c.ToSpendPattern() with { Weight = Scale }).ToArray();
        _summaries = Enumerable.Repeat(customers, Scale).SelectMany(c => c).ToArray();
        _customers = _summaries.Select(c => c.ToPattern()).ToArray();
        _destination = new double[_customers.Length];
        _bgNbd = BgNbd.Fit(_patterns).Parameters ?? throw new InvalidOperationException("BG/NBD fit failed.");
        _gammaGamma = GammaGamma.Fit(_spend).Parameters ?? throw new InvalidOperationException("Gamma-Gamma fit failed.");
    }

    [Benchmark]
    public double FitBgNbd() => BgNbd.Fit(_patterns).LogLikelihood;

    [Benchmark]
    public double FitGammaGamma() => GammaGamma.Fit(_spend).LogLikelihood;

    [Benchmark]
    public double PredictBgNbdConditionalExpectation39Weeks()
    {
        _bgNbd.ConditionalExpectedPurchases(39, _customers, _destination);
        return _destination[^1];
    }

    [Benchmark]
    public double PredictClv12Months()
    {
        ClvCalculator.PredictedRevenue(_bgNbd, _gammaGamma, _summaries, new ClvProjection(12, 0.01, TimeUnit.Weeks), _destination);
        return _destination[^1];
    }

    /// <summary>What a model run does: the purchase part once per distinct pattern, then E[M] per customer.</summary>
    [Benchmark]
    public double PredictClv12MonthsByPattern()
    {
        var predictor = new PortfolioPredictor(_bgNbd, _gammaGamma, new ClvProjection(12, 0.01, TimeUnit.Weeks));
        var last = 0.0;
        foreach (var c in _summaries)
        {
            last = predictor.Predict(c.Frequency, c.Recency, c.Age, (double)c.MonetaryValue).PredictedClv;
        }

        return last;
    }
}

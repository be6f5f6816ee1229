using Clv.Analytics.ModelRuns;
using Clv.Analytics.Models;
using Clv.Analytics.Predictions;
using MathNet.Numerics.Distributions;
using Xunit.Abstractions;

namespace Clv.Analytics.Tests.Predictions;

/// <summary>
/// Issue 14, section 4, acceptance by simulation: cohorts drawn from known BG/NBD and Gamma-Gamma parameters by the
/// models' own generative process (written here, not taken from the production code), fitted, bootstrapped; the 90%
/// intervals must hold the true parameters, and the customer equity the true parameters give, in 90% ± 5 points of
/// the data sets. The suite runs 40 data sets, where a binomial count of 40 at 90% has a standard deviation of
/// 4.7 points, so it accepts 90% ± 2.58 standard deviations (77.8%–100%); <c>CLV_COVERAGE_DATA_SETS=200</c>
/// (bench/intervals/run.sh, docs/benchmarks.md) runs the 200 data sets against 90% ± 5 points.
/// </summary>
public sealed class PredictionIntervalCoverageTests(ITestOutputHelper output)
{
    private const int CohortSize = 4000;
    private const int ObservedDays = 273; // first purchases in the first 12 weeks, observed to day 273, as CDNOW's calibration
    private static readonly BgNbdParameters TruePurchases = new(R: 0.25, Alpha: 4.0, A: 0.8, B: 2.5);
    private static readonly GammaGammaParameters TrueSpend = new(P: 6.0, Q: 4.0, Gamma: 15.0);
    private static readonly ClvProjection Projection = new(HorizonMonths: 12, MonthlyDiscountRate: 0.01, TimeUnit.Weeks);

    [Fact]
    public void Ninety_percent_intervals_cover_the_true_parameters_and_equity_in_90_percent_of_simulated_cohorts()
    {
        var dataSets = int.TryParse(Environment.GetEnvironmentVariable("CLV_COVERAGE_DATA_SETS"), out var n) ? n : 40;
        var tolerance = dataSets >= 200 ? 0.05 : 2.58 * Math.Sqrt(0.9 * 0.1 / dataSets);
        var random = new Random(20261203);
        var names = new[] { "r", "alpha", "a", "b", "p", "q", "gamma", "equity" };
        var truth = new[] { TruePurchases.R, TruePurchases.Alpha, TruePurchases.A, TruePurchases.B, TrueSpend.P, TrueSpend.Q, TrueSpend.Gamma };
        var covered = new int[names.Length];
        var sets = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (sets < dataSets)
        {
            var portfolio = SimulateCohort(random);
            var fits = ModelRunFits.Fit(portfolio, [ModelNames.BgNbd], ModelNames.BgNbd, penalizer: 0);
            var bootstrap = fits.Bootstrap(Projection, new IntervalSettings(0.90, 200, Seed: sets))!;
            Assert.NotNull(bootstrap);
            for (var i = 0; i < 7; i++)
            {
                var values = (i < 4 ? bootstrap.PurchaseParameters : bootstrap.SpendParameters).Select(theta => theta[i < 4 ? i : i - 4]).ToArray();
                var (lower, upper) = bootstrap.Percentiles(values);
                covered[i] += lower <= truth[i] && truth[i] <= upper ? 1 : 0;
            }

            var trueEquity = portfolio.Predict(new PortfolioPredictor(TruePurchases, TrueSpend, Projection)).PredictedClv.Sum(c => (double)c);
            var overall = portfolio.Intervals(bootstrap, []).Equity.Single(e => e.Grouping == EquityInterval.Overall);
            covered[7] += overall.Lower <= trueEquity && trueEquity <= overall.Upper ? 1 : 0;
            sets++;
        }

        output.WriteLine($"{sets} data sets of {CohortSize} customers in {clock.Elapsed.TotalSeconds:F1} s; accepted: 90% ± {tolerance:P1}");
        for (var i = 0; i < names.Length; i++)
        {
            output.WriteLine($"{names[i]}: {covered[i]}/{sets} = {(double)covered[i] / sets:P1}");
        }

        Assert.All(covered, c => Assert.InRange((double)c / sets, 0.90 - tolerance, 0.90 + tolerance));
    }

    // BG/NBD (Fader, Hardie & Lee 2005): λ ~ gamma(r, rate α), p ~ beta(a, b); purchases arrive as a Poisson process
    // of rate λ from the first purchase, and after each repeat purchase the customer drops out with probability p.
    // Gamma-Gamma: ν ~ gamma(q, rate γ), each repeat purchase's value ~ gamma(p, rate ν). Times stay continuous, as
    // the model has them: recorded as whole days instead, the same cohorts give r and α estimates about 0.6 and 1.2
    // standard errors too high on average (60 cohorts of 4,000), which is the rounding and not the intervals.
    private static ModelRunPortfolio SimulateCohort(Random random)
    {
        var portfolio = new ModelRunPortfolio(TimeUnit.Weeks);
        for (var id = 1; id <= CohortSize; id++)
        {
            var age = (ObservedDays - random.Next(0, 84)) / 7.0;
            var lambda = Gamma.Sample(random, TruePurchases.R, TruePurchases.Alpha);
            var dropout = Beta.Sample(random, TruePurchases.A, TruePurchases.B);
            var nu = Gamma.Sample(random, TrueSpend.Q, TrueSpend.Gamma);
            var (repeat, last, spend) = (0, 0.0, 0.0);
            var time = 0.0;
            while (true)
            {
                time += Exponential.Sample(random, lambda);
                if (time > age)
                {
                    break;
                }

                (repeat, last) = (repeat + 1, time);
                spend += Gamma.Sample(random, TrueSpend.P, nu);
                if (random.NextDouble() < dropout)
                {
                    break;
                }
            }

            portfolio.Add(id, repeat, last, age, repeat > 0 ? spend / repeat : 0, double.NaN);
        }

        return portfolio;
    }
}

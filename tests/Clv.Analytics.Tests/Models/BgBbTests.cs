using System.Globalization;
using Clv.Analytics.Models;
using MathNet.Numerics;

namespace Clv.Analytics.Tests.Models;

/// <summary>
/// The BG/BB model against Fader, Hardie &amp; Shang (2010), "Customer-base analysis in a discrete-time noncontractual
/// setting", on its donations data set (TestData/donations.csv; provenance in TestData/donations.README.md).
/// </summary>
public class BgBbTests
{
    private static readonly Lazy<IReadOnlyList<BgBbPattern>> LoadedDonations = new(LoadDonations);

    /// <summary>The published estimates, FHS 2010.</summary>
    private static readonly BgBbParameters Published = new(1.204, 0.750, 0.657, 2.783);

    private static readonly (int X, int Tx, int N)[] Histories = [(0, 0, 6), (1, 1, 6), (2, 4, 6), (3, 5, 6), (6, 6, 6), (1, 2, 40), (4, 9, 10), (0, 0, 0)];

    private static IReadOnlyList<BgBbPattern> Donations => LoadedDonations.Value;

    [Fact]
    public void Donations_data_hold_the_11104_donors_over_6_opportunities()
    {
        Assert.Equal(11_104, Donations.Sum(p => p.Weight));
        Assert.All(Donations, p => Assert.Equal(6, p.Opportunities));
    }

    [Fact]
    public void Fit_on_donations_reproduces_the_published_estimates()
    {
        var fit = BgBb.Fit(Donations);

        Assert.True(fit.Converged, fit.FailureReason);
        CdnowPublishedResultsTests.AssertWithinRelative(1.204, fit.Parameters.Alpha, 0.005);
        CdnowPublishedResultsTests.AssertWithinRelative(0.750, fit.Parameters.Beta, 0.005);
        CdnowPublishedResultsTests.AssertWithinRelative(0.657, fit.Parameters.Gamma, 0.005);
        CdnowPublishedResultsTests.AssertWithinRelative(2.783, fit.Parameters.Delta, 0.005);
    }

    [Fact]
    public void Fit_on_donations_reproduces_the_published_log_likelihood()
    {
        var fit = BgBb.Fit(Donations);

        Assert.Equal(-33_225.6, Math.Round(fit.LogLikelihood, 1));
    }

    [Fact]
    public void Fit_reports_positive_standard_errors()
    {
        var fit = BgBb.Fit(Donations);

        Assert.True(fit.Converged, fit.FailureReason);
        var se = fit.StandardErrors;
        Assert.All(new[] { se.Alpha, se.Beta, se.Gamma, se.Delta }, s => Assert.True(s > 0 && double.IsFinite(s)));
    }

    /// <summary>
    /// P(alive in 2002) of donors whose last donation was in 1995 (x = 0), 1999 with 2 donations, and 2001 with 6: 0.11,
    /// 0.59 and 0.93, from Hardie's BG/BB spreadsheet for FHS 2010 (brucehardie.com/notes/010), as quoted by the test
    /// test_conditional_probability_alive_is_close_to_Hardie_paper of lifetimes 0.11.3.
    /// </summary>
    [Theory]
    [InlineData(0, 0, 0.11)]
    [InlineData(2, 4, 0.59)]
    [InlineData(6, 6, 0.93)]
    public void Probability_alive_at_the_next_opportunity_matches_the_published_values(int x, int tx, double published)
    {
        var fit = BgBb.Fit(Donations);
        Assert.True(fit.Converged, fit.FailureReason);

        Assert.Equal(published, Math.Round(fit.Parameters.ProbabilityAlive(x, tx, 6), 2));
    }

    /// <summary>
    /// Expected donations of all 11,104 donors in the 5 years after 2001: 12,884.2, the total of column F ("Exp Tot") of
    /// the "Conditional Expectations (II)" sheet of Hardie's BG/BB spreadsheet, as quoted by lifetimes 0.11.3's test
    /// test_conditional_expectation_returns_same_value_as_Hardie_excel_sheet.
    /// </summary>
    [Fact]
    public void Conditional_expectations_over_the_next_five_years_add_up_to_the_published_total()
    {
        var fit = BgBb.Fit(Donations);
        Assert.True(fit.Converged, fit.FailureReason);

        var total = Donations.Sum(p => p.Weight * fit.Parameters.ConditionalExpectedTransactions(5, p.Frequency, p.Recency, p.Opportunities));

        Assert.Equal(12_884.2, Math.Round(total, 1));
    }

    /// <summary>
    /// The paper's formulas written out with MathNet's BetaLn and GammaLn, not the code's recurrences: the likelihood
    /// (eq. 5) as a plain sum, P(alive at n+1) (eq. 11), and E[X(n, n+n*)] in the closed form of eq. 13.
    /// </summary>
    [Theory]
    [InlineData(0, 0, 6, 5)]
    [InlineData(2, 4, 6, 1)]
    [InlineData(6, 6, 6, 10)]
    [InlineData(1, 2, 40, 7)]
    [InlineData(4, 9, 10, 30)]
    public void Predictions_equal_the_papers_closed_forms(int x, int tx, int n, int future)
    {
        var q = Published;
        double LnBetaRatioAb(double a, double b) => SpecialFunctions.BetaLn(a, b) - SpecialFunctions.BetaLn(q.Alpha, q.Beta);
        double LnBetaRatioGd(double g, double d) => SpecialFunctions.BetaLn(g, d) - SpecialFunctions.BetaLn(q.Gamma, q.Delta);
        var likelihood = Math.Exp(LnBetaRatioAb(q.Alpha + x, q.Beta + n - x) + LnBetaRatioGd(q.Gamma, q.Delta + n));
        for (var i = 0; i <= n - tx - 1; i++)
        {
            likelihood += Math.Exp(LnBetaRatioAb(q.Alpha + x, q.Beta + tx - x + i) + LnBetaRatioGd(q.Gamma + 1, q.Delta + tx + i));
        }

        var alive = Math.Exp(LnBetaRatioAb(q.Alpha + x, q.Beta + n - x) + LnBetaRatioGd(q.Gamma, q.Delta + n + 1)) / likelihood;
        double GammaRatio(double m) => Math.Exp(SpecialFunctions.GammaLn(1 + q.Delta + m) - SpecialFunctions.GammaLn(q.Gamma + q.Delta + m));
        var expected = Math.Exp(LnBetaRatioAb(q.Alpha + x + 1, q.Beta + n - x)) / likelihood
            * q.Delta / (q.Gamma - 1)
            * Math.Exp(SpecialFunctions.GammaLn(q.Gamma + q.Delta) - SpecialFunctions.GammaLn(1 + q.Delta))
            * (GammaRatio(n) - GammaRatio(n + future));

        Assert.Equal(Math.Log(likelihood), q.LogLikelihood(x, tx, n), 1e-11);
        Assert.Equal(alive, q.ProbabilityAlive(x, tx, n), 1e-11);
        Assert.Equal(expected, q.ConditionalExpectedTransactions(future, x, tx, n), expected * 1e-10);
    }

    /// <summary>Every one of the 2ⁿ donation histories over n opportunities has its probability; together they sum to one.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(12)]
    public void Likelihood_of_every_possible_history_sums_to_one(int n)
    {
        var total = 0.0;
        for (var bits = 0; bits < 1 << n; bits++)
        {
            var opportunities = Enumerable.Range(1, n).Where(t => (bits & (1 << (t - 1))) != 0);
            var p = BgBbPattern.FromTransactionOpportunities(opportunities, n);
            total += Math.Exp(Published.LogLikelihood(p.Frequency, p.Recency, p.Opportunities));
        }

        Assert.Equal(1.0, total, 1e-12);
    }

    [Fact]
    public void Expected_transactions_are_continuous_at_gamma_equal_to_one()
    {
        // The paper's closed form has δ/(γ−1) times a bracket that vanishes at γ = 1; the sum has neither.
        var below = new BgBbParameters(1.2, 0.75, 1 - 1e-9, 2.8).ConditionalExpectedTransactions(5, 3, 5, 6);
        var at = new BgBbParameters(1.2, 0.75, 1, 2.8).ConditionalExpectedTransactions(5, 3, 5, 6);

        Assert.True(double.IsFinite(at));
        Assert.Equal(below, at, 1e-8);
    }

    [Fact]
    public void Analytic_gradient_matches_central_differences()
    {
        var data = Donations.Append(new BgBbPattern(2, 9, 40, 3)).Append(new BgBbPattern(0, 0, 0, 5)).ToArray();
        var total = data.Sum(p => p.Weight);

        BgNbdTests.AssertGradientMatchesCentralDifferences(
            (theta, gradient) => BgBb.MeanNegativeLogLikelihood(data, total, theta, gradient), [1.3, 0.8, 0.6, 2.5], 1e-8);
    }

    [Fact]
    public void Pattern_from_transaction_opportunities_counts_each_whole_opportunity_once()
    {
        // Opportunity 0 is the first donation's own period; 8 is after the 6 observed.
        var pattern = BgBbPattern.FromTransactionOpportunities([0, 2, 2, 5, 8], 6);

        Assert.Equal(new BgBbPattern(2, 5, 6, 1), pattern);
    }

    [Fact]
    public void Collapse_sums_the_weights_of_identical_histories()
    {
        var collapsed = BgBbPattern.Collapse([new(1, 2, 6, 1), new(0, 0, 6, 1), new(1, 2, 6, 2.5)]);

        Assert.Equal([new BgBbPattern(1, 2, 6, 3.5), new BgBbPattern(0, 0, 6, 1)], collapsed);
    }

    [Theory]
    [InlineData(3, 2, 6)]
    [InlineData(1, 0, 6)]
    [InlineData(0, 3, 6)]
    [InlineData(2, 7, 6)]
    public void Fit_rejects_impossible_histories_with_a_reason(int x, int tx, int n)
    {
        var fit = BgBb.Fit([.. Donations, new BgBbPattern(x, tx, n, 1)]);

        Assert.False(fit.Converged);
        Assert.Contains("invalid", fit.FailureReason, StringComparison.Ordinal);
    }

    public static TheoryData<double, double, double, double> ExtremeParameters() => NumericalRobustnessTests.ParameterGrid();

    [Theory]
    [MemberData(nameof(ExtremeParameters))]
    public void Values_are_finite_for_extreme_parameters(double alpha, double beta, double gamma, double delta)
    {
        var model = new BgBbParameters(alpha, beta, gamma, delta);
        foreach (var (x, tx, n) in Histories.Append((50, 900, 1000)).Append((0, 0, 1000)))
        {
            Assert.True(double.IsFinite(model.LogLikelihood(x, tx, n)), $"LL {model} {(x, tx, n)}");
            Assert.InRange(model.ProbabilityAlive(x, tx, n), 0, 1);
            var expected = model.ConditionalExpectedTransactions(10, x, tx, n);
            Assert.True(double.IsFinite(expected) && expected >= 0 && expected <= 10, $"E {model} {(x, tx, n)} = {expected}");
        }
    }

    /// <summary>
    /// As a purchase model in years, opportunity n + k is the k-th year after the last observed one: a 60-month CLV sums
    /// the five yearly expectations, each discounted over its 12k months.
    /// </summary>
    [Theory]
    [InlineData(2, 4, 6)]
    [InlineData(0, 0, 6)]
    [InlineData(6, 6, 6)]
    public void A_yearly_clv_discounts_each_opportunity_by_the_months_to_it(int x, int tx, int n)
    {
        var clv = ClvCalculator.PredictedRevenue(Published, 50.0, x, tx, n, new ClvProjection(60, 0.01, TimeUnit.Years));

        var byHand = 0.0;
        for (var k = 1; k <= 5; k++)
        {
            var atK = Published.ConditionalExpectedTransactions(k, x, tx, n) - Published.ConditionalExpectedTransactions(k - 1, x, tx, n);
            byHand += 50.0 * atK / Math.Pow(1.01, 12 * k);
        }

        Assert.Equal(byHand, clv, byHand * 1e-12);
    }

    /// <summary>In weeks, the first month (365.25/12 = 30.44 days) holds four whole weekly opportunities.</summary>
    [Fact]
    public void A_weekly_month_holds_four_opportunities()
    {
        IPurchaseModel model = Published;

        Assert.Equal(Published.ConditionalExpectedTransactions(4, 2, 4, 6), model.ConditionalExpectedPurchases(30.4375 / 7, 2, 4, 6), 1e-15);
        Assert.Equal(
            Published.ConditionalExpectedTransactions(4, 2, 4, 6) * 10 / 1.01,
            ClvCalculator.PredictedRevenue(Published, 10.0, 2, 4, 6, new ClvProjection(1, 0.01, TimeUnit.Weeks)),
            1e-12);
    }

    [Fact]
    public void A_history_that_is_not_whole_opportunities_is_refused()
    {
        IPurchaseModel model = Published;

        Assert.Throws<ArgumentOutOfRangeException>(() => model.ProbabilityAlive(1.5, 2, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgBbPattern.From(new RfmPattern(1, 2, 6.2, 1)));
    }

    private static List<BgBbPattern> LoadDonations()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "donations.csv");
        return File.ReadLines(path)
            .Skip(1)
            .Where(line => line.Length > 0)
            .Select(line => line.Split(',').Select(f => int.Parse(f, CultureInfo.InvariantCulture)).ToArray())
            .Select(f => new BgBbPattern(f[0], f[1], f[2], f[3]))
            .ToList();
    }
}

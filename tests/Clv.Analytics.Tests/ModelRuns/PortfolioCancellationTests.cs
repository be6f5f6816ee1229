using Clv.Analytics.ModelRuns;
using Clv.Analytics.Models;
using Clv.Analytics.Predictions;
using Clv.Analytics.Tests.Models;

namespace Clv.Analytics.Tests.ModelRuns;

/// <summary>
/// A model run's passes over every customer after its fits (the holdout comparison, the predictions and the
/// intervals) stop within <see cref="ModelRunPortfolio.CancellationStride"/> customers of their token being
/// cancelled, as the fits stop at their next evaluation: a run stopped by its service, its lease or its time limit
/// does not finish a stage first, which takes minutes at ten million customers.
/// </summary>
public sealed class PortfolioCancellationTests
{
    // CDNOW_sample three times over (7,071 customers, ids offset): more than one stride in one pass.
    private static readonly ModelRunPortfolio Portfolio = ThreeSamples();
    private static readonly ModelRunFits Fits = ModelRunFits.Fit(Portfolio, [ModelNames.BgNbd, ModelNames.GammaGamma], ModelNames.BgNbd, penalizer: 0);
    private static readonly ClvProjection Projection = new(12, 0.01, TimeUnit.Weeks);

    [Fact]
    public void Predictions_stop_within_a_stride_of_a_cancellation_during_the_pass()
    {
        using var cancel = new CancellationTokenSource();
        var predictor = new PortfolioPredictor(new CancelsWhenAsked(Fits.Primary, cancel), Fits.Spend, Projection);

        Assert.ThrowsAny<OperationCanceledException>(() => Portfolio.Predict(predictor, cancel.Token));
        Assert.Equal(Portfolio.Count, Portfolio.Predict(new PortfolioPredictor(Fits.Primary, Fits.Spend, Projection)).CustomerIds.Length);
    }

    [Fact]
    public void The_holdout_comparison_stops_within_a_stride_of_a_cancellation_during_the_pass()
    {
        using var cancel = new CancellationTokenSource();
        var predictor = new PortfolioPredictor(new CancelsWhenAsked(Fits.Primary, cancel), Fits.Spend, Projection);

        Assert.ThrowsAny<OperationCanceledException>(() => Portfolio.Holdout(predictor, new Dictionary<long, int>(), 39, cancel.Token));
    }

    [Fact]
    public void Intervals_stop_when_their_token_is_cancelled_before_the_draws_are_summed()
    {
        using var cancel = new CancellationTokenSource();
        var bootstrap = Fits.Bootstrap(Projection, new IntervalSettings(0.9, 20, Seed: 7))!;
        // The groupings are read in a pass over every customer before the equity is summed.
        CustomerGrouping[] groupings = [new("cancelling", _ =>
        {
            cancel.Cancel();
            return "all";
        })];

        Assert.ThrowsAny<OperationCanceledException>(() => Portfolio.Intervals(bootstrap, groupings, cancel.Token));
    }

    private static ModelRunPortfolio ThreeSamples()
    {
        var portfolio = new ModelRunPortfolio(TimeUnit.Weeks);
        for (var copy = 0; copy < 3; copy++)
        {
            foreach (var (id, c) in CdnowSample.ById)
            {
                portfolio.Add((copy * 100_000) + id, c.Frequency, c.Recency, c.Age, (double)c.MonetaryValue, double.NaN);
            }
        }

        return portfolio;
    }

    // The model, cancelling the run's token the first time it is asked anything: the pass has begun.
    private sealed class CancelsWhenAsked(IPurchaseModel model, CancellationTokenSource cancel) : IPurchaseModel
    {
        public double ConditionalExpectedPurchases(double t, double frequency, double recency, double age)
        {
            cancel.Cancel();
            return model.ConditionalExpectedPurchases(t, frequency, recency, age);
        }

        public double ProbabilityAlive(double frequency, double recency, double age)
        {
            cancel.Cancel();
            return model.ProbabilityAlive(frequency, recency, age);
        }
    }
}

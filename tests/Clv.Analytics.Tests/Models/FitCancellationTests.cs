using Clv.Analytics.Models;

namespace Clv.Analytics.Tests.Models;

/// <summary>
/// A fit stops at the evaluation of the likelihood after its token is cancelled, inside an optimizer's
/// phase too (where MathNet hands the objective's exceptions on wrapped in its own): a model run whose
/// service stops, or whose lease was taken, does not fit on for minutes.
/// </summary>
public sealed class FitCancellationTests
{
    [Fact]
    public void A_fit_cancelled_while_it_runs_throws_at_the_next_evaluation()
    {
        // Rosenbrock's valley over θ, from a start far down it: BFGS needs far more than 30 evaluations.
        using var cancel = new CancellationTokenSource();
        var calls = 0;

        Assert.ThrowsAny<OperationCanceledException>(() => MaximumLikelihood.Fit(
            (theta, _) =>
            {
                if (++calls == 30)
                {
                    cancel.Cancel();
                }

                return Math.Pow(1 - theta[0], 2) + (100 * Math.Pow(theta[1] - (theta[0] * theta[0]), 2));
            },
            analyticGradient: false,
            [3.0, 0.2],
            penalizer: 0,
            totalWeight: 1,
            cancel.Token));
        Assert.Equal(30, calls);
    }

    [Fact]
    public void A_model_fit_with_a_cancelled_token_does_not_start()
    {
        var patterns = RfmPattern.Collapse(CdnowSample.Customers);

        Assert.ThrowsAny<OperationCanceledException>(() => ParetoNbd.Fit(patterns, cancellationToken: new CancellationToken(canceled: true)));
        Assert.ThrowsAny<OperationCanceledException>(() => BgNbd.Fit(patterns, cancellationToken: new CancellationToken(canceled: true)));
    }
}

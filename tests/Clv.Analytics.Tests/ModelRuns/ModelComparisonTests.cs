using Clv.Analytics.ModelRuns;

namespace Clv.Analytics.Tests.ModelRuns;

public sealed class ModelComparisonTests
{
    [Fact]
    public void The_best_model_has_the_lowest_error_and_the_first_asked_wins_a_tie()
    {
        Assert.Equal("paretonbd", ModelComparison.Best([Pair("bgnbd", 0.52), Pair("paretonbd", 0.51), Pair("mbgnbd", 0.53)]));
        Assert.Equal("mbgnbd", ModelComparison.Best([Pair("mbgnbd", 0.5), Pair("bgnbd", 0.5)]));
    }

    [Fact]
    public void With_no_model_compared_there_is_no_best_and_an_error_that_is_not_a_number_never_wins()
    {
        Assert.Null(ModelComparison.Best([]));
        Assert.Equal("bgnbd", ModelComparison.Best([Pair("paretonbd", double.NaN), Pair("bgnbd", 0.7)]));
    }

    private static KeyValuePair<string, double> Pair(string model, double error) => KeyValuePair.Create(model, error);
}

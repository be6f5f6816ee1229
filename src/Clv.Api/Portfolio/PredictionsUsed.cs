using System.Globalization;
using Clv.Data.Analytics.ReadModel;

namespace Clv.Api.Portfolio;

/// <summary>The model run whose predictions an answer's predicted figures come from.</summary>
public sealed class PredictionsUsedResponse
{
    /// <summary>The run (<c>GET /api/v1/model-runs/{id}</c>).</summary>
    public Guid RunId { get; init; }

    /// <summary>The date its predictions stand at: its calibration end, or its asOf.</summary>
    public DateOnly AsOf { get; init; }

    /// <summary>Its primary purchase model.</summary>
    /// <example>bgnbd</example>
    public required string Model { get; init; }

    /// <summary>
    /// The run of <paramref name="answer"/>, also set as the headers <c>Clv-Prediction-Run</c> and
    /// <c>Clv-Prediction-As-Of</c> of <paramref name="response"/> for CSV answers; null (and no
    /// headers) when no run was active.
    /// </summary>
    public static PredictionsUsedResponse? Of<T>(Answer<T> answer, HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(response);
        if (answer.Predictions is not PredictionSource source)
        {
            return null;
        }

        response.Headers["Clv-Prediction-Run"] = source.RunId.ToString();
        response.Headers["Clv-Prediction-As-Of"] = source.AsOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return new PredictionsUsedResponse { RunId = source.RunId, AsOf = source.AsOf, Model = source.Model };
    }
}

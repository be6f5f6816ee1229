namespace Clv.Analytics.ModelRuns;

/// <summary>Predicted against actual purchases in a run's holdout period.</summary>
/// <param name="Length">Length of the holdout in the run's time unit.</param>
/// <param name="Customers">Customers compared: those with a purchase by the calibration end.</param>
/// <param name="Predicted">Σ predicted repeat purchases in the holdout.</param>
/// <param name="Actual">Σ actual purchase days in the holdout.</param>
/// <param name="MeanAbsoluteError">Mean over customers of |predicted − actual|.</param>
/// <param name="ByFrequency">The same by calibration frequency 0, 1, …, 6 and 7+.</param>
public sealed record HoldoutComparison(double Length, int Customers, double Predicted, long Actual, double MeanAbsoluteError, IReadOnlyList<HoldoutFrequencyBucket> ByFrequency);

/// <summary>Holdout totals for the customers of one calibration frequency.</summary>
/// <param name="Frequency">"0" … "6", or "7+".</param>
/// <param name="Customers">Customers with that frequency.</param>
/// <param name="Predicted">Σ predicted holdout purchases.</param>
/// <param name="Actual">Σ actual holdout purchase days.</param>
public sealed record HoldoutFrequencyBucket(string Frequency, int Customers, double Predicted, long Actual);

namespace Clv.Analytics.ModelRuns;

/// <summary>What the models need of one customer, in days relative to the window's end.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="PurchaseDays">Distinct purchase days up to the end.</param>
/// <param name="RecencyDays">Days from the first to the last purchase day.</param>
/// <param name="AgeDays">Days from the first purchase day to the end; below <paramref name="RecencyDays"/> when a purchase lies after the end.</param>
/// <param name="MonetaryValue">Mean value of the purchase days after the first; 0 without repeat days.</param>
/// <param name="Margin">(net revenue − known cost) / net revenue; NaN when no cost is known or net revenue is not positive.</param>
public readonly record struct ModelInput(long CustomerId, int PurchaseDays, int RecencyDays, int AgeDays, double MonetaryValue, double Margin);

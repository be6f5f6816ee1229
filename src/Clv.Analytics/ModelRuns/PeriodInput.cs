namespace Clv.Analytics.ModelRuns;

/// <summary>
/// What a discrete-opportunity model (BG/BB) needs of one customer, in whole calendar periods
/// (<see cref="Opportunities"/>): opportunity 0 is the period of the first purchase, and each whole
/// period after it, up to the last whole period of the window, is one opportunity.
/// </summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="Transactions">x: the opportunities with at least one purchase.</param>
/// <param name="LastTransaction">t_x: the last of them, counted from the first purchase's period; 0 when x = 0.</param>
/// <param name="Opportunities">n: the whole periods after the first purchase's period; 0 while it is the current one.</param>
/// <param name="MonetaryValue">Mean value of the x periods (their purchase days' net value); 0 when x = 0.</param>
/// <param name="Margin">(net revenue − known cost) / net revenue; NaN when no cost is known or net revenue is not positive.</param>
public readonly record struct PeriodInput(long CustomerId, int Transactions, int LastTransaction, int Opportunities, double MonetaryValue, double Margin);

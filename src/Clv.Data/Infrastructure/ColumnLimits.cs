namespace Clv.Data.Infrastructure;

/// <summary>Column sizes shared by the schema and the validators that guard it.</summary>
public static class ColumnLimits
{
    public const int ExternalId = 128;
    public const int Channel = 64;
    public const int Name = 128;
    public const int IdempotencyKey = 255;

    /// <summary>A feedback comment, in characters.</summary>
    public const int FeedbackComment = 4000;
    public const int MoneyPrecision = 19;
    public const int MoneyScale = 4;

    /// <summary>Every amount stored is below this, 10^(<see cref="MoneyPrecision"/> − <see cref="MoneyScale"/>): what a money column holds.</summary>
    public const decimal MoneyBound = 1e15m;

    /// <summary>
    /// Per-customer sums (day rollup, summaries): 10^24, so no number of amounts below 10^15 that a
    /// customer can have overflows them once they are accepted. The rollups are computed after the
    /// rows are acknowledged, where an overflow could no longer be refused.
    /// </summary>
    public const int SumPrecision = 28;
    public const int RatePrecision = 19;
    public const int RateScale = 10;
}

namespace Clv.Data.Infrastructure;

/// <summary>Column sizes shared by the schema and the validators that guard it.</summary>
public static class ColumnLimits
{
    public const int ExternalId = 128;
    public const int Channel = 64;
    public const int Name = 128;
    public const int IdempotencyKey = 255;
    public const int MoneyPrecision = 19;
    public const int MoneyScale = 4;
    public const int RatePrecision = 19;
    public const int RateScale = 10;
}

namespace Clv.Analytics.Statistics;

/// <summary>Successes among trials, such as retained customers among a cohort.</summary>
/// <param name="Successes">Successes, 0..Trials.</param>
/// <param name="Trials">Trials.</param>
public readonly record struct ProportionCounts(long Successes, long Trials)
{
    internal void Check(string name)
    {
        if (Trials < 0 || Successes < 0 || Successes > Trials)
        {
            throw new ArgumentOutOfRangeException(name, this, "Successes lie between 0 and the trials.");
        }
    }
}

namespace Clv.Api.Tests.Infrastructure;

/// <summary>The stored rankings (<c>analytics_rankings</c>), as tests look at them.</summary>
internal static class RankingRows
{
    /// <summary>
    /// The current state's stored rankings, as a subquery to select from. Their scope is keyed by
    /// today (<c>now|{day}</c>) and yesterday's row lives on for a day, so this is the latest day's
    /// row: a test running across midnight UTC would otherwise find two.
    /// </summary>
    public const string CurrentRankings = "(SELECT * FROM analytics_rankings WHERE scope LIKE 'now|%' ORDER BY scope DESC LIMIT 1) current_rankings";
}

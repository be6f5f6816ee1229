using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class AnalyticsRankings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The rankings of each analytics scope (RankingStore): a few dozen values per row,
            // shared by every instance; not customer-keyed (a reference table under Citus).
            migrationBuilder.Sql("""
                CREATE TABLE analytics_rankings (
                    scope text PRIMARY KEY,
                    data_version bigint NOT NULL,
                    computed_at timestamptz NOT NULL,
                    buyers bigint NOT NULL,
                    recency integer[] NOT NULL,
                    frequency integer[] NOT NULL,
                    monetary numeric[] NOT NULL,
                    tier_values numeric[] NOT NULL,
                    tier_ids bigint[] NOT NULL,
                    by_prediction boolean NOT NULL)
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE analytics_rankings");
        }
    }
}

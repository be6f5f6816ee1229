using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class PeriodRollupValueIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The counts of customers per net revenue in value order, everyone's and per channel:
            // a median walks them to its rank instead of sorting them all (SegmentQueries).
            migrationBuilder.Sql("""
                CREATE INDEX ix_period_rollups_values ON period_rollups (net_value) INCLUDE (members) WHERE period_kind = 0;
                CREATE INDEX ix_period_rollups_channel_values ON period_rollups (channel, net_value) INCLUDE (members) WHERE period_kind = 0;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX ix_period_rollups_values; DROP INDEX ix_period_rollups_channel_values");
        }
    }
}

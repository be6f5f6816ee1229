using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class PeriodRollupValuesFromSummaries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The counts of customers per net revenue (kind 0) go: a median's walk finds the unit
            // that holds its rank from the counts per unit (kind 2), as before, and then reads that
            // unit's net revenues from customer_summaries' index on (net_revenue, customer_id),
            // which every write keeps anyway. Those counts were most of the rollup's rows, and
            // every import wrote and folded them (docs/read-model.md, docs/benchmarks.md).
            migrationBuilder.Sql("""
                DROP TABLE period_rollups_values;
                DELETE FROM period_rollup_folds WHERE period_kind = 0;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The counts again, one row per channel and net revenue, for the customers the rollup holds.
            migrationBuilder.Sql("""
                CREATE TABLE period_rollups_values PARTITION OF period_rollups FOR VALUES IN (0);
                INSERT INTO period_rollups (channel, period_kind, net_value, members, active, retained, last_purchases, purchases, gross_revenue, refunds, cost)
                SELECT coalesce(c.acquisition_channel, 'unattributed'), 0, s.net_revenue, count(*), 0, 0, 0, 0, 0, 0, 0
                FROM customer_summaries s
                JOIN customers c ON c.id = s.customer_id
                JOIN rollup_state r ON r.id = 1
                WHERE r.period_rollups_window IS NOT NULL AND (r.period_rollups_through IS NULL OR c.id <= r.period_rollups_through)
                GROUP BY 1, 3;
                CREATE INDEX ix_period_rollups_values ON period_rollups_values (net_value) INCLUDE (members);
                CREATE INDEX ix_period_rollups_channel_values ON period_rollups_values (channel, net_value) INCLUDE (members);
                """);
        }
    }
}

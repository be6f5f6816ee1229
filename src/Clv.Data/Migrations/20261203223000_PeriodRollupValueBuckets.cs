using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class PeriodRollupValueBuckets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The counts of customers per whole unit of net revenue (kind 2, docs/read-model.md),
            // in a partition of their own, built from the counts per net revenue (kind 0) there
            // are: for the customers the rollup holds, kind 2 then sums what kind 0 does, and
            // writers keep both from here on. And the month cells' latest days by period: whether the
            // rollup holds a day after today, which every read of it asks first, is then a few
            // index entries, not a scan of the month cells.
            migrationBuilder.Sql("""
                CREATE TABLE period_rollups_value_buckets PARTITION OF period_rollups FOR VALUES IN (2);
                INSERT INTO period_rollups (channel, period_kind, net_value, members, active, retained, last_purchases, purchases, gross_revenue, refunds, cost)
                SELECT channel, 2, floor(net_value), sum(members), 0, 0, 0, 0, 0, 0, 0
                FROM period_rollups
                WHERE period_kind = 0
                GROUP BY channel, floor(net_value)
                HAVING sum(members) <> 0;
                CREATE INDEX ix_period_rollups_value_buckets ON period_rollups_value_buckets (net_value) INCLUDE (members);
                CREATE INDEX ix_period_rollups_channel_value_buckets ON period_rollups_value_buckets (channel, net_value) INCLUDE (members);
                CREATE INDEX ix_period_rollups_month_periods ON period_rollups_months (period) INCLUDE (max_day);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX ix_period_rollups_month_periods; DROP TABLE period_rollups_value_buckets;");
        }
    }
}

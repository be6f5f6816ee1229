using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class PeriodRollupKinds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The group rollup partitioned by period kind (docs/read-model.md): a read of the month
            // cells scans the month partition, not the counts per net revenue (kind 0), which are
            // most of the rows. The rows move with their ids; the sequence goes on after them.
            migrationBuilder.Sql("""
                ALTER TABLE period_rollups RENAME TO period_rollups_unpartitioned;
                CREATE SEQUENCE period_rollups_row_ids;
                CREATE TABLE period_rollups (
                    id bigint NOT NULL DEFAULT nextval('period_rollups_row_ids'),
                    channel text NOT NULL,
                    period_kind smallint NOT NULL,
                    cohort date,
                    period date,
                    members integer NOT NULL,
                    active integer NOT NULL,
                    retained integer NOT NULL,
                    last_purchases integer NOT NULL,
                    purchases bigint NOT NULL,
                    gross_revenue numeric NOT NULL,
                    refunds numeric NOT NULL,
                    cost numeric NOT NULL,
                    max_day date,
                    churn_day date,
                    net_value numeric,
                    repeat integer NOT NULL DEFAULT 0,
                    at_risk integer NOT NULL DEFAULT 0,
                    churned integer NOT NULL DEFAULT 0,
                    lapsed integer NOT NULL DEFAULT 0,
                    CONSTRAINT pk_period_rollups PRIMARY KEY (id, period_kind)
                ) PARTITION BY LIST (period_kind);
                ALTER SEQUENCE period_rollups_row_ids OWNED BY period_rollups.id;
                CREATE TABLE period_rollups_values PARTITION OF period_rollups FOR VALUES IN (0);
                CREATE TABLE period_rollups_months PARTITION OF period_rollups FOR VALUES IN (1);
                CREATE TABLE period_rollups_quarters PARTITION OF period_rollups FOR VALUES IN (3);
                CREATE TABLE period_rollups_years PARTITION OF period_rollups FOR VALUES IN (12);
                INSERT INTO period_rollups (id, channel, period_kind, cohort, period, members, active, retained, last_purchases, purchases,
                                            gross_revenue, refunds, cost, max_day, churn_day, net_value, repeat, at_risk, churned, lapsed)
                SELECT id, channel, period_kind, cohort, period, members, active, retained, last_purchases, purchases,
                       gross_revenue, refunds, cost, max_day, churn_day, net_value, repeat, at_risk, churned, lapsed
                FROM period_rollups_unpartitioned;
                SELECT setval('period_rollups_row_ids', coalesce((SELECT max(id) FROM period_rollups_unpartitioned), 0) + 1, false);
                DROP TABLE period_rollups_unpartitioned;
                CREATE INDEX ix_period_rollups_values ON period_rollups_values (net_value) INCLUDE (members);
                CREATE INDEX ix_period_rollups_channel_values ON period_rollups_values (channel, net_value) INCLUDE (members);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE period_rollups RENAME TO period_rollups_partitioned;
                CREATE TABLE period_rollups (LIKE period_rollups_partitioned INCLUDING DEFAULTS);
                ALTER TABLE period_rollups ALTER COLUMN id DROP DEFAULT;
                ALTER TABLE period_rollups ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
                INSERT INTO period_rollups OVERRIDING SYSTEM VALUE SELECT * FROM period_rollups_partitioned;
                SELECT setval(pg_get_serial_sequence('period_rollups', 'id'), coalesce((SELECT max(id) FROM period_rollups), 0) + 1, false);
                DROP TABLE period_rollups_partitioned;
                ALTER TABLE period_rollups ADD PRIMARY KEY (id);
                CREATE INDEX ix_period_rollups_values ON period_rollups (net_value) INCLUDE (members) WHERE period_kind = 0;
                CREATE INDEX ix_period_rollups_channel_values ON period_rollups (channel, net_value) INCLUDE (members) WHERE period_kind = 0;
                """);
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class PeriodRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "period_rollups_through",
                table: "rollup_state",
                type: "bigint",
                nullable: true);

            // The group rollup (PeriodRollups): rows of deltas, appended by every write and summed
            // by readers, folded per cell in the background. Not customer-keyed: under Citus a
            // table of the coordinator (docs/scale-out.md).
            migrationBuilder.Sql("""
                CREATE TABLE period_rollups (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
                    max_day date);
                CREATE INDEX ix_customers_acquisition_channel_id ON customers (acquisition_channel, id);
                UPDATE rollup_state SET period_rollups_through = 0 WHERE EXISTS (SELECT 1 FROM customers);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE period_rollups; DROP INDEX ix_customers_acquisition_channel_id");
            migrationBuilder.DropColumn(
                name: "period_rollups_through",
                table: "rollup_state");
        }
    }
}

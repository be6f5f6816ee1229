using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class PeriodRollupChurn : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "period_rollups_window",
                table: "rollup_state",
                type: "integer",
                nullable: true);

            // The churn spells' cells, the repeat customers, the lapses and the counts of customers
            // per net revenue (docs/read-model.md). A rollup built without them is emptied; the
            // start after this migration builds it again for the configured window.
            migrationBuilder.Sql("""
                ALTER TABLE period_rollups
                    ADD COLUMN churn_day date,
                    ADD COLUMN net_value numeric,
                    ADD COLUMN repeat integer NOT NULL DEFAULT 0,
                    ADD COLUMN at_risk integer NOT NULL DEFAULT 0,
                    ADD COLUMN churned integer NOT NULL DEFAULT 0,
                    ADD COLUMN lapsed integer NOT NULL DEFAULT 0;
                DELETE FROM period_rollups;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER TABLE period_rollups DROP COLUMN churn_day, DROP COLUMN net_value, DROP COLUMN repeat, DROP COLUMN at_risk, DROP COLUMN churned, DROP COLUMN lapsed");
            migrationBuilder.DropColumn(
                name: "period_rollups_window",
                table: "rollup_state");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class PeriodRollupFolds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // What the last folding of each partition of period_rollups left (RollupCompactor):
            // how many rows, and the highest id then. Shared by every instance and kept across
            // restarts, so that no instance folds again what another, or an earlier process, has
            // folded. One row per kind: not customer-keyed (a reference table under Citus).
            migrationBuilder.Sql("""
                CREATE TABLE period_rollup_folds (
                    period_kind smallint PRIMARY KEY,
                    kept bigint NOT NULL,
                    kept_through bigint NOT NULL,
                    folded_at timestamptz NOT NULL)
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE period_rollup_folds");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class RankingRuns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The model run whose predictions a scope's stored rankings ranked (null: none): a run
            // activated without a write must not be ranked as the run before it (RankingStore).
            // The rows stored before do not say which run they ranked, so they go; the next read
            // or the background ranking stores them again.
            migrationBuilder.Sql("""
                DELETE FROM analytics_rankings;
                ALTER TABLE analytics_rankings ADD COLUMN run_id uuid;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER TABLE analytics_rankings DROP COLUMN run_id");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class PredictionIntervalColumns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Issue 14, section 4: each prediction's interval ends (null for a run without intervals), added
            // to the partitioned parent so that every run's own table (LIKE customer_predictions) has them;
            // model_runs.equity_intervals holds the run's intervals of customer equity overall and per segment.
            migrationBuilder.AddColumn<string>(
                name: "equity_intervals",
                table: "model_runs",
                type: "jsonb",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "expected_purchases_hi",
                table: "customer_predictions",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "expected_purchases_lo",
                table: "customer_predictions",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "predicted_clv_hi",
                table: "customer_predictions",
                type: "numeric(19,4)",
                precision: 19,
                scale: 4,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "predicted_clv_lo",
                table: "customer_predictions",
                type: "numeric(19,4)",
                precision: 19,
                scale: 4,
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "probability_alive_hi",
                table: "customer_predictions",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "probability_alive_lo",
                table: "customer_predictions",
                type: "double precision",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "equity_intervals",
                table: "model_runs");

            migrationBuilder.DropColumn(
                name: "expected_purchases_hi",
                table: "customer_predictions");

            migrationBuilder.DropColumn(
                name: "expected_purchases_lo",
                table: "customer_predictions");

            migrationBuilder.DropColumn(
                name: "predicted_clv_hi",
                table: "customer_predictions");

            migrationBuilder.DropColumn(
                name: "predicted_clv_lo",
                table: "customer_predictions");

            migrationBuilder.DropColumn(
                name: "probability_alive_hi",
                table: "customer_predictions");

            migrationBuilder.DropColumn(
                name: "probability_alive_lo",
                table: "customer_predictions");
        }
    }
}

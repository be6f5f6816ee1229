using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class ModelRuns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Partitioned by run, which EF Core cannot declare: a run's rows are loaded into a table
            // of their own, attached when the run succeeds, and dropped whole once superseded.
            migrationBuilder.Sql("""
                CREATE TABLE customer_predictions (
                    run_id uuid NOT NULL,
                    customer_id bigint NOT NULL,
                    frequency double precision NOT NULL,
                    recency double precision NOT NULL,
                    age double precision NOT NULL,
                    expected_purchases double precision NOT NULL,
                    probability_alive double precision NOT NULL,
                    expected_average_spend numeric(19,4) NOT NULL,
                    predicted_clv numeric(19,4) NOT NULL,
                    predicted_gross_profit_clv numeric(19,4),
                    alternatives jsonb,
                    CONSTRAINT pk_customer_predictions PRIMARY KEY (run_id, customer_id)
                ) PARTITION BY LIST (run_id)
                """);

            migrationBuilder.CreateTable(
                name: "model_runs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    stage = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    progress = table.Column<double>(type: "double precision", nullable: false),
                    options = table.Column<string>(type: "jsonb", nullable: false),
                    error = table.Column<string>(type: "text", nullable: true),
                    timings = table.Column<string>(type: "jsonb", nullable: true),
                    duration_seconds = table.Column<double>(type: "double precision", nullable: true),
                    customers = table.Column<int>(type: "integer", nullable: true),
                    models = table.Column<string>(type: "jsonb", nullable: true),
                    holdout = table.Column<string>(type: "jsonb", nullable: true),
                    is_active = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_runs", x => x.id);
                });


            migrationBuilder.CreateIndex(
                name: "ix_model_runs_created_at",
                table: "model_runs",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_model_runs_is_active",
                table: "model_runs",
                column: "is_active",
                unique: true,
                filter: "is_active");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "customer_predictions");

            migrationBuilder.DropTable(
                name: "model_runs");
        }
    }
}

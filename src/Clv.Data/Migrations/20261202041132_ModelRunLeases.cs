using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class ModelRunLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "lease_expires_at",
                table: "model_runs",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "lease_owner",
                table: "model_runs",
                type: "uuid",
                nullable: true);

            // A run left running by a version without leases holds none: give it one that has run
            // out, so the first instance that looks fails it, as that version did at every start.
            migrationBuilder.Sql("UPDATE model_runs SET lease_expires_at = now() WHERE status = 'Running'");

            migrationBuilder.CreateIndex(
                name: "ix_model_runs_status_created_at",
                table: "model_runs",
                columns: new[] { "status", "created_at" },
                filter: "status IN ('Queued', 'Running')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_model_runs_status_created_at",
                table: "model_runs");

            migrationBuilder.DropColumn(
                name: "lease_expires_at",
                table: "model_runs");

            migrationBuilder.DropColumn(
                name: "lease_owner",
                table: "model_runs");
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class Currencies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<decimal>(
                name: "fx_rate",
                table: "transactions",
                type: "numeric(19,10)",
                precision: 19,
                scale: 10,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "original_amount",
                table: "transactions",
                type: "numeric(19,4)",
                precision: 19,
                scale: 4,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "original_cost",
                table: "transactions",
                type: "numeric(19,4)",
                precision: 19,
                scale: 4,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "original_currency",
                table: "transactions",
                type: "character(3)",
                fixedLength: true,
                maxLength: 3,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "fx_rate",
                table: "acquisition_spend",
                type: "numeric(19,10)",
                precision: 19,
                scale: 10,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "original_amount",
                table: "acquisition_spend",
                type: "numeric(19,4)",
                precision: 19,
                scale: 4,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "original_currency",
                table: "acquisition_spend",
                type: "character(3)",
                fixedLength: true,
                maxLength: 3,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "fx_rates",
                columns: table => new
                {
                    currency = table.Column<string>(type: "character(3)", fixedLength: true, maxLength: 3, nullable: false),
                    date = table.Column<DateOnly>(type: "date", nullable: false),
                    rate_to_reporting = table.Column<decimal>(type: "numeric(19,10)", precision: 19, scale: 10, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_fx_rates", x => new { x.currency, x.date });
                    table.CheckConstraint("ck_fx_rates_positive", "rate_to_reporting > 0");
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "fx_rates");

            migrationBuilder.DropColumn(
                name: "fx_rate",
                table: "transactions");

            migrationBuilder.DropColumn(
                name: "original_amount",
                table: "transactions");

            migrationBuilder.DropColumn(
                name: "original_cost",
                table: "transactions");

            migrationBuilder.DropColumn(
                name: "original_currency",
                table: "transactions");

            migrationBuilder.DropColumn(
                name: "fx_rate",
                table: "acquisition_spend");

            migrationBuilder.DropColumn(
                name: "original_amount",
                table: "acquisition_spend");

            migrationBuilder.DropColumn(
                name: "original_currency",
                table: "acquisition_spend");
        }
    }
}

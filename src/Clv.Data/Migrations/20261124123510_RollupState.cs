using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class RollupState : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "rollup_state",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    time_zone = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_rollup_state", x => x.id);
                    table.CheckConstraint("ck_rollup_state_single_row", "id = 1");
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "rollup_state");
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class Feedback : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // NPS and CSAT answers, keyed by customer first as transactions are (under Citus
            // distributed by customer_id, co-located with customers), and their lookup by external
            // id (distributed by external_id, as transaction_keys): docs/scale-out.md.
            migrationBuilder.CreateTable(
                name: "feedback",
                columns: table => new
                {
                    customer_id = table.Column<long>(type: "bigint", nullable: false),
                    external_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    answered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    kind = table.Column<short>(type: "smallint", nullable: false),
                    score = table.Column<short>(type: "smallint", nullable: false),
                    comment = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    ingested_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_feedback", x => new { x.customer_id, x.external_id });
                    table.CheckConstraint("ck_feedback_kind", "kind IN (1, 2)");
                    table.CheckConstraint("ck_feedback_score", "(kind = 1 AND score BETWEEN 0 AND 10) OR (kind = 2 AND score BETWEEN 1 AND 5)");
                });

            migrationBuilder.CreateTable(
                name: "feedback_keys",
                columns: table => new
                {
                    external_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    customer_id = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_feedback_keys", x => x.external_id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_feedback_customer_id_kind_answered_at",
                table: "feedback",
                columns: new[] { "customer_id", "kind", "answered_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "feedback");

            migrationBuilder.DropTable(
                name: "feedback_keys");
        }
    }
}

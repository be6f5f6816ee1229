using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class AcquisitionFromSubscriptions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A customer whose acquisition the CRM did not send is acquired at their earliest
            // transaction or subscription start, whichever came first (docs/metrics.md); it followed
            // the transactions alone. The customers a subscription starts before are dated again,
            // and then the group rollup, whose cells count customers by their acquisition, is
            // emptied and built again at the next start, in chunks (RollupRebuilder), as after a
            // change of the reporting time zone. The data version moves for any day, so no kept
            // answer or stored ranking of another instance outlives it.
            //
            // Outside a migration transaction, so that the dating commits in chunks of the next
            // 10,000 subscriptions' customers, as every unit of work does: no transaction grows with
            // the book. The rollup is emptied and committed first, so a migration cut short between
            // chunks and run again finds the customers left to date, and none of them is left out of
            // a rebuild. The version moves again with the last chunk, so that no answer computed
            // while the customers were being dated outlives it.
            migrationBuilder.Sql("""
                DO $$
                DECLARE
                    done bigint;
                    upto bigint;
                    last bigint;
                BEGIN
                    IF NOT EXISTS (
                        SELECT FROM subscriptions s JOIN customers c ON c.id = s.customer_id
                        WHERE NOT c.acquired_at_is_explicit AND (c.acquired_at IS NULL OR c.acquired_at > s.started_at)) THEN
                        RETURN;
                    END IF;

                    DELETE FROM period_rollups;
                    UPDATE rollup_state SET period_rollups_through = 0 WHERE id = 1;
                    WITH bumped AS (UPDATE data_version SET version = version + 1, changed_at = now() WHERE id = 1 RETURNING version)
                    INSERT INTO data_changes (version, earliest_day) SELECT version, NULL FROM bumped;
                    COMMIT;

                    SELECT min(customer_id) - 1, max(customer_id) INTO done, last FROM subscriptions;
                    WHILE done < last LOOP
                        upto := coalesce(
                            (SELECT customer_id FROM subscriptions WHERE customer_id > done ORDER BY customer_id OFFSET 9999 LIMIT 1), last);
                        UPDATE customers c SET acquired_at = f.started_at, updated_at = now()
                        FROM (
                            SELECT customer_id, min(started_at) AS started_at FROM subscriptions
                            WHERE customer_id > done AND customer_id <= upto GROUP BY customer_id) f
                        WHERE c.id = f.customer_id AND NOT c.acquired_at_is_explicit
                          AND (c.acquired_at IS NULL OR c.acquired_at > f.started_at);
                        done := upto;
                        IF done < last THEN
                            COMMIT;
                        END IF;
                    END LOOP;

                    WITH bumped AS (UPDATE data_version SET version = version + 1, changed_at = now() WHERE id = 1 RETURNING version)
                    INSERT INTO data_changes (version, earliest_day) SELECT version, NULL FROM bumped;
                END $$;
                """, suppressTransaction: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Nothing: the earlier code keeps the acquisitions it finds, and moves one again only
            // to an earlier transaction.
        }
    }
}

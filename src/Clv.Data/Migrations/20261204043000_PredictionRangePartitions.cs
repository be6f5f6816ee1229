using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class PredictionRangePartitions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // customer_predictions is partitioned by range of (run_id, customer_id) instead of by
            // list of run_id, so that a run's rows can be split into several tables by range of
            // customer id, each loaded on a connection of its own (PredictionStore). Each run's
            // table there is takes the whole range of its run; its check (run_id = the run) lets
            // the attachment skip the scan.
            migrationBuilder.Sql("""
                ALTER TABLE customer_predictions RENAME TO customer_predictions_by_run;
                ALTER TABLE customer_predictions_by_run RENAME CONSTRAINT pk_customer_predictions TO pk_customer_predictions_by_run;
                CREATE TABLE customer_predictions (
                    LIKE customer_predictions_by_run INCLUDING DEFAULTS,
                    CONSTRAINT pk_customer_predictions PRIMARY KEY (run_id, customer_id)
                ) PARTITION BY RANGE (run_id, customer_id);
                DO $$
                DECLARE
                    part record;
                BEGIN
                    FOR part IN
                        SELECT c.relname AS name, substr(c.relname, 22, 32)::uuid AS run_id
                        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                        WHERE i.inhparent = 'customer_predictions_by_run'::regclass
                    LOOP
                        EXECUTE format('ALTER TABLE customer_predictions_by_run DETACH PARTITION %I', part.name);
                        EXECUTE format('ALTER TABLE customer_predictions ATTACH PARTITION %I FOR VALUES FROM (%L, MINVALUE) TO (%L, MAXVALUE)',
                            part.name, part.run_id, part.run_id);
                    END LOOP;
                END $$;
                DROP TABLE customer_predictions_by_run;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Back to one table per run, partitioned by list of run: the tables of a run split by
            // range are merged into one.
            migrationBuilder.Sql("""
                ALTER TABLE customer_predictions RENAME TO customer_predictions_by_range;
                ALTER TABLE customer_predictions_by_range RENAME CONSTRAINT pk_customer_predictions TO pk_customer_predictions_by_range;
                CREATE TABLE customer_predictions (
                    LIKE customer_predictions_by_range INCLUDING DEFAULTS,
                    CONSTRAINT pk_customer_predictions PRIMARY KEY (run_id, customer_id)
                ) PARTITION BY LIST (run_id);
                DO $$
                DECLARE
                    run record;
                    name text;
                BEGIN
                    FOR run IN
                        SELECT substr(c.relname, 22, 32)::uuid AS id, array_agg(c.relname::text) AS parts
                        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                        WHERE i.inhparent = 'customer_predictions_by_range'::regclass
                        GROUP BY 1
                    LOOP
                        name := 'customer_predictions_' || replace(run.id::text, '-', '');
                        IF run.parts = ARRAY[name] THEN
                            EXECUTE format('ALTER TABLE customer_predictions_by_range DETACH PARTITION %I', name);
                        ELSE
                            EXECUTE format('CREATE TABLE %I (LIKE customer_predictions INCLUDING DEFAULTS, CHECK (run_id = %L))', name, run.id);
                            EXECUTE format('INSERT INTO %I SELECT * FROM customer_predictions_by_range WHERE run_id = %L', name, run.id);
                            EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (run_id, customer_id)', name);
                        END IF;
                        EXECUTE format('ALTER TABLE customer_predictions ATTACH PARTITION %I FOR VALUES IN (%L)', name, run.id);
                    END LOOP;
                END $$;
                DROP TABLE customer_predictions_by_range;
                """);
        }
    }
}

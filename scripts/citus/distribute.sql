-- Distributes Clv's tables on a Citus coordinator (docs/scale-out.md). Run once, after the API
-- has migrated the schema and before data is loaded. Idempotent: tables already distributed are
-- skipped.
DO $$
DECLARE
    spec text[];
BEGIN
    FOREACH spec SLICE 1 IN ARRAY ARRAY[
        -- table, distribution column, co-located with
        ['customers', 'id', 'default'],
        ['transactions', 'customer_id', 'customers'],
        ['customer_days', 'customer_id', 'customers'],
        ['customer_summaries', 'customer_id', 'customers'],
        ['customer_predictions', 'customer_id', 'customers'],
        ['subscriptions', 'customer_id', 'customers'],
        ['customer_keys', 'external_id', 'default'],
        ['transaction_keys', 'external_id', 'customer_keys'],
        ['feedback', 'customer_id', 'customers'],
        ['feedback_keys', 'external_id', 'customer_keys'],
        ['subscription_keys', 'external_id', 'customer_keys'],
        ['idempotency_keys', 'api_key_id', 'default']]
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = spec[1]::regclass) THEN
            PERFORM create_distributed_table(spec[1], spec[2], colocate_with => spec[3]);
        END IF;
    END LOOP;

    FOREACH spec SLICE 1 IN ARRAY ARRAY[['acquisition_spend'], ['fx_rates'], ['api_keys'], ['model_runs'], ['rollup_state'], ['data_version'], ['data_changes'], ['analytics_rankings'], ['period_rollup_folds']]
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = spec[1]::regclass) THEN
            PERFORM create_reference_table(spec[1]);
        END IF;
    END LOOP;
END
$$;

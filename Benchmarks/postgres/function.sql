-- The one statement Tally's PostgreSQL store now sends for a batch, for pgbench (-M prepared):
-- tally_apply_batch with :batch random members +1 in the default currency, one event carrying
-- every change, no idempotency record. Tally plans from balances it already knows; here the
-- balances are read inside the same statement (as Tally reads them when it does not know them),
-- so it stays one round trip. When another client changed one of them between that read and the
-- lock, the function raises 40001 and pgbench retries (--max-tries), as Tally plans again.
-- Variables (-D): realm, currency, members (how many rows bench_ids holds), batch.
SELECT array_agg(id ORDER BY id) AS ids FROM bench_ids
WHERE n = ANY(ARRAY(SELECT floor(random() * :members)::int FROM generate_series(1, :batch))) \gset
WITH k AS (
    SELECT u.m, b.balance FROM unnest(:ids::text[]) AS u(m)
    LEFT JOIN (
        SELECT member_id, balance FROM balances
        WHERE realm_id = :realm AND currency_id = ANY(ARRAY[:currency]::text[]) AND member_id = ANY(:ids::text[])
    ) AS b ON b.member_id = u.m
)
SELECT replayed FROM tally_apply_batch(
    :realm, 1,
    :ids::text[], ARRAY(SELECT false FROM unnest(:ids::text[])),
    ARRAY[:currency]::text[], ARRAY[false], ARRAY[0::bigint], ARRAY[false], ARRAY[0::bigint], ARRAY[true], ARRAY[true],
    ARRAY(SELECT :currency::text FROM k ORDER BY m), ARRAY(SELECT m FROM k ORDER BY m),
    ARRAY(SELECT coalesce(balance, 0) FROM k ORDER BY m),
    ARRAY(SELECT coalesce(balance, 0) + 1 FROM k ORDER BY m),
    ARRAY(SELECT substr(md5(random()::text || m), 1, 24) FROM k ORDER BY m), ARRAY(SELECT m FROM k ORDER BY m),
    ARRAY(SELECT :currency::text FROM k ORDER BY m), ARRAY(SELECT 1::bigint FROM k ORDER BY m),
    ARRAY(SELECT coalesce(balance, 0) FROM k ORDER BY m), ARRAY(SELECT coalesce(balance, 0) + 1 FROM k ORDER BY m),
    substr(md5(random()::text), 1, 24), NULL, 'batch',
    ARRAY[substr(md5(random()::text), 1, 24)], ARRAY['member.points.awarded'],
    ARRAY[(SELECT '{"changes":[' || string_agg('{"dripId":"' || m || '","amount":1}', ',') || ']}' FROM k)],
    NULL, NULL, NULL, NULL, NULL);

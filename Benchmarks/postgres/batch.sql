-- The engine ceiling for Tally's batch on PostgreSQL, for pgbench (-M prepared): the same
-- statements Tally's PostgreSQL store runs for a batch of :batch changes (+1 each) in one
-- transaction, in the same order, with no HTTP, JSON, authentication or rule checks.
-- Variables (-D): realm, currency, members (how many rows bench_ids holds), batch.
--
-- Picking the batch's random members is one extra query before the transaction; it is work Tally
-- does not do, so it can only lower this ceiling a little.
SELECT array_agg(id ORDER BY id) AS ids FROM bench_ids
WHERE n = ANY(ARRAY(SELECT floor(random() * :members)::int FROM generate_series(1, :batch))) \gset
BEGIN;
SELECT 1 FROM realms WHERE id = :realm;
SELECT id FROM members WHERE realm_id = :realm AND id = ANY(:ids::text[]);
SELECT realm_id, id, name, emoji, custom_emoji_url, metadata, is_default, archived_at, minimum_balance,
    maximum_balance, transferable, created_at, updated_at
FROM currencies WHERE realm_id = :realm AND (id = ANY(ARRAY[]::text[]) OR (true AND is_default))
ORDER BY id FOR KEY SHARE;
INSERT INTO balances AS b (realm_id, currency_id, member_id, balance, updated_at)
SELECT :realm, :currency, k.m, 0, 0 FROM unnest(:ids::text[]) AS k(m) ORDER BY k.m
ON CONFLICT (realm_id, currency_id, member_id) DO UPDATE SET balance = b.balance
RETURNING b.currency_id, b.member_id, b.balance;
INSERT INTO balances AS b (realm_id, currency_id, member_id, balance, updated_at)
SELECT :realm, :currency, v.m, 1, 1 FROM unnest(:ids::text[]) AS v(m)
ON CONFLICT (realm_id, currency_id, member_id)
DO UPDATE SET balance = b.balance + excluded.balance, updated_at = excluded.updated_at;
INSERT INTO journal (id, realm_id, member_id, currency_id, amount, balance_before, balance_after,
    batch_id, initiator_id, kind, created_at)
SELECT substr(md5(random()::text), 1, 24), :realm, b.member_id, :currency, 1, b.balance - 1, b.balance,
    substr(md5(random()::text), 1, 24), NULL, 'batch', 1
FROM balances b WHERE b.realm_id = :realm AND b.currency_id = :currency AND b.member_id = ANY(:ids::text[])
ORDER BY b.member_id;
COMMIT;

-- The minimal durable transaction, for pgbench (-M prepared): one balance upsert … RETURNING and
-- one journal INSERT for one random member, +1, in one transaction: what any ledger must do for
-- a change, with no reads, no rule checks, no events and no idempotency record.
-- Variables (-D): realm, currency, members (how many rows bench_ids holds).
\set n random(0, :members - 1)
SELECT id AS member FROM bench_ids WHERE n = :n \gset
BEGIN;
INSERT INTO balances AS b (realm_id, currency_id, member_id, balance, updated_at)
VALUES (:realm, :currency, :member, 1, 1)
ON CONFLICT (realm_id, currency_id, member_id) DO UPDATE SET balance = b.balance + 1, updated_at = 1
RETURNING b.balance AS after \gset
INSERT INTO journal (id, realm_id, member_id, currency_id, amount, balance_before, balance_after,
    batch_id, initiator_id, kind, created_at)
VALUES (substr(md5(random()::text), 1, 24), :realm, :member, :currency, 1, :after - 1, :after,
    substr(md5(random()::text), 1, 24), NULL, 'batch', 1);
COMMIT;

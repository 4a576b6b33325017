import Logging
import PostgresNIO
import TallyCore

/// The versioned schema of the PostgreSQL store. A shipped migration is never edited: a change is
/// a new migration. Ids match the SQLite backend's, and so do table names, column names and
/// constraints; the differences are PostgreSQL types (bigint, boolean, bytea), triggers written
/// in PL/pgSQL, and a journal keyed by (realm_id, seq) so it can be distributed by realm.
enum PostgresMigrations {
    /// One step of a migration: a statement, or work that needs Swift (such as computing a rule
    /// of TallyCore for existing rows).
    enum Step: Sendable {
        case sql(String)
        case run(@Sendable (PostgresConnection, Logger) async throws -> Void)
    }

    /// Every migration, in order: (id, steps).
    static let all: [(id: String, steps: [Step])] = [
        ("0001-foundation", foundation.map(Step.sql)),
        ("0002-credential-match-keys", credentialMatchKeys),
        ("0003-ghost-credentials", ghostCredentials.map(Step.sql)),
        ("0004-import-entries", importEntries.map(Step.sql)),
        ("0005-events", events.map(Step.sql)),
        ("0006-webhooks", webhooks.map(Step.sql)),
        ("0007-one-round-trip", eventDrafts.map(Step.sql) + applyBatchFunction.map(Step.sql)),
        (
            "0008-public-leaderboard",
            [.sql("ALTER TABLE realms ADD COLUMN public_leaderboard BOOLEAN NOT NULL DEFAULT false")]
        ),
        ("0009-overview", overview.map(Step.sql)),
    ]

    /// Each realm's member count and its activity per hour and currency (docs/CONSOLE.md), kept
    /// by triggers so that the console's overview counts nothing. Each row also names a slot,
    /// the writing backend's process id: concurrent writers of one realm then add to rows of
    /// their own and never wait for each other's commit; a read sums the slots.
    static let overview: [String] = [
        """
        CREATE TABLE realm_counts (
            realm_id TEXT NOT NULL REFERENCES realms(id),
            slot INTEGER NOT NULL,
            members BIGINT NOT NULL,
            PRIMARY KEY (realm_id, slot)
        )
        """,
        "INSERT INTO realm_counts (realm_id, slot, members) SELECT realm_id, 0, count(*) FROM members WHERE NOT ghost GROUP BY realm_id",
        """
        CREATE FUNCTION tally_count_members() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO realm_counts (realm_id, slot, members)
            SELECT realm_id, pg_backend_pid(), count(*) FROM new_members WHERE NOT ghost GROUP BY realm_id
            ON CONFLICT (realm_id, slot) DO UPDATE SET members = realm_counts.members + excluded.members;
            RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER members_counted AFTER INSERT ON members REFERENCING NEW TABLE AS new_members
            FOR EACH STATEMENT EXECUTE FUNCTION tally_count_members()
        """,
        """
        CREATE FUNCTION tally_recount_member() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            realm TEXT := CASE WHEN TG_OP = 'DELETE' THEN OLD.realm_id ELSE NEW.realm_id END;
            change BIGINT := CASE
                WHEN TG_OP = 'DELETE' THEN -1
                WHEN NEW.ghost THEN -1
                ELSE 1 END;
        BEGIN
            INSERT INTO realm_counts (realm_id, slot, members) VALUES (realm, pg_backend_pid(), change)
            ON CONFLICT (realm_id, slot) DO UPDATE SET members = realm_counts.members + excluded.members;
            RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER members_recounted AFTER UPDATE OF ghost ON members
            FOR EACH ROW WHEN (OLD.ghost IS DISTINCT FROM NEW.ghost) EXECUTE FUNCTION tally_recount_member()
        """,
        """
        CREATE TRIGGER members_uncounted AFTER DELETE ON members
            FOR EACH ROW WHEN (NOT OLD.ghost) EXECUTE FUNCTION tally_recount_member()
        """,
        """
        CREATE TABLE activity (
            realm_id TEXT NOT NULL,
            hour BIGINT NOT NULL,
            currency_id TEXT NOT NULL,
            slot INTEGER NOT NULL,
            changes BIGINT NOT NULL,
            credited NUMERIC NOT NULL,
            debited NUMERIC NOT NULL,
            PRIMARY KEY (realm_id, hour, currency_id, slot)
        )
        """,
        """
        INSERT INTO activity (realm_id, hour, currency_id, slot, changes, credited, debited)
        SELECT realm_id, created_at / \(ActivityHour.length), currency_id, 0, count(*),
            coalesce(sum(amount) FILTER (WHERE amount > 0), 0), coalesce(-sum(amount) FILTER (WHERE amount < 0), 0)
        FROM journal GROUP BY 1, 2, 3
        """,
        """
        CREATE FUNCTION tally_count_activity() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO activity (realm_id, hour, currency_id, slot, changes, credited, debited)
            SELECT realm_id, created_at / \(ActivityHour.length), currency_id, pg_backend_pid(), count(*),
                coalesce(sum(amount) FILTER (WHERE amount > 0), 0), coalesce(-sum(amount) FILTER (WHERE amount < 0), 0)
            FROM new_entries GROUP BY 1, 2, 3
            ON CONFLICT (realm_id, hour, currency_id, slot) DO UPDATE SET
                changes = activity.changes + excluded.changes, credited = activity.credited + excluded.credited,
                debited = activity.debited + excluded.debited;
            RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER journal_activity AFTER INSERT ON journal REFERENCING NEW TABLE AS new_entries
            FOR EACH STATEMENT EXECUTE FUNCTION tally_count_activity()
        """,
        // How many balances each currency has (the leaderboard's total), so that no leaderboard
        // counts them; balances are never deleted.
        """
        CREATE TABLE holder_counts (
            realm_id TEXT NOT NULL,
            currency_id TEXT NOT NULL,
            slot INTEGER NOT NULL,
            holders BIGINT NOT NULL,
            PRIMARY KEY (realm_id, currency_id, slot)
        )
        """,
        """
        INSERT INTO holder_counts (realm_id, currency_id, slot, holders)
        SELECT realm_id, currency_id, 0, count(*) FROM balances GROUP BY realm_id, currency_id
        """,
        """
        CREATE FUNCTION tally_count_holders() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO holder_counts (realm_id, currency_id, slot, holders)
            SELECT realm_id, currency_id, pg_backend_pid(), count(*) FROM new_balances GROUP BY realm_id, currency_id
            ON CONFLICT (realm_id, currency_id, slot) DO UPDATE SET holders = holder_counts.holders + excluded.holders;
            RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER balances_counted AFTER INSERT ON balances REFERENCING NEW TABLE AS new_balances
            FOR EACH STATEMENT EXECUTE FUNCTION tally_count_holders()
        """,
    ]

    /// Events are written with the write as drafts, unnumbered, so that no write waits for
    /// another realm writer's commit; `tally_number_events` numbers the committed drafts of a
    /// realm (or of all realms) in one short transaction, under a per-realm lock, before anything
    /// reads the feed (docs/decisions/0010-postgres-one-round-trip.md, docs/SCALING.md). The
    /// realm's counter stays in `event_sequences`.
    static let eventDrafts: [String] = [
        """
        CREATE TABLE event_drafts (
            draft_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            realm_id TEXT NOT NULL REFERENCES realms(id),
            id TEXT NOT NULL CHECK (length(id) = 24),
            type TEXT NOT NULL,
            data TEXT NOT NULL,
            created_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX event_drafts_by_realm ON event_drafts (realm_id, draft_id)",
        """
        CREATE FUNCTION tally_number_events(p_realm TEXT) RETURNS BIGINT LANGUAGE plpgsql AS $$
        DECLARE
            realm_ TEXT;
            last_ BIGINT;
            moved BIGINT;
            total BIGINT := 0;
        BEGIN
            FOR realm_ IN
                SELECT DISTINCT d.realm_id FROM event_drafts d WHERE p_realm IS NULL OR d.realm_id = p_realm
            LOOP
                -- One numberer per realm at a time; each statement after the lock sees what the
                -- one before it committed.
                PERFORM pg_advisory_xact_lock(hashtextextended('tally-events:' || realm_, 0));
                SELECT coalesce(max(s.last_seq), 0) INTO last_ FROM event_sequences s WHERE s.realm_id = realm_;
                WITH drafts AS (
                    DELETE FROM event_drafts d WHERE d.realm_id = realm_
                    RETURNING d.draft_id, d.id, d.type, d.data, d.created_at)
                INSERT INTO events (realm_id, seq, id, type, data, created_at)
                SELECT realm_, last_ + row_number() OVER (ORDER BY drafts.draft_id), drafts.id, drafts.type,
                    drafts.data, drafts.created_at
                FROM drafts;
                GET DIAGNOSTICS moved = ROW_COUNT;
                IF moved > 0 THEN
                    INSERT INTO event_sequences AS s (realm_id, last_seq) VALUES (realm_, last_ + moved)
                    ON CONFLICT (realm_id) DO UPDATE SET last_seq = excluded.last_seq;
                    total := total + moved;
                END IF;
            END LOOP;
            RETURN total;
        END $$
        """,
    ]

    /// `tally_apply_batch`: writes a batch that `BatchPlanner` planned in Swift from what the
    /// server knew, in one call (one round trip), after checking under lock that everything the
    /// plan relied on is still so (docs/decisions/0010-postgres-one-round-trip.md). It decides
    /// nothing: when anything differs it raises `40001` (a serialization failure: the plan was
    /// made from rows changed since) and writes nothing, and the server plans again inside a
    /// locked transaction.
    ///
    /// In order: an Idempotency-Key already stored replays (its record is returned, nothing is
    /// written); the currencies the plan used are share-locked in id order and must match; the
    /// members must exist with the same ghost flag; the balances that existed are locked in
    /// key order and must hold what the plan started from; the ones that did not are created
    /// with their final value and must still be absent; then the balances, the journal (in
    /// request order) and the events (numbered by the realm's counter, whose lock orders the
    /// realm's commits) are written.
    static let applyBatchFunction: [String] = [
        """
        CREATE FUNCTION tally_apply_batch(
            p_realm TEXT, p_now BIGINT,
            p_members TEXT[], p_ghosts BOOLEAN[],
            p_currencies TEXT[], p_archived BOOLEAN[], p_minimums BIGINT[], p_has_maximum BOOLEAN[],
                p_maximums BIGINT[], p_transferable BOOLEAN[], p_defaults BOOLEAN[],
            p_key_currencies TEXT[], p_key_members TEXT[], p_starts BIGINT[], p_finals BIGINT[],
            p_entry_ids TEXT[], p_entry_members TEXT[], p_entry_currencies TEXT[], p_amounts BIGINT[],
                p_befores BIGINT[], p_afters BIGINT[],
            p_batch_id TEXT, p_initiator TEXT, p_kind TEXT,
            p_event_ids TEXT[], p_event_types TEXT[], p_event_data TEXT[],
            p_scope TEXT, p_key TEXT, p_request_hash BYTEA, p_status INTEGER, p_body BYTEA
        ) RETURNS TABLE (replayed BOOLEAN, stored_hash BYTEA, stored_status INTEGER, stored_body BYTEA)
        LANGUAGE plpgsql AS $$
        #variable_conflict use_column
        DECLARE
            matched INTEGER;
        BEGIN
            IF p_key IS NOT NULL THEN
                INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at)
                VALUES (p_scope, p_key, p_request_hash, p_status, p_body, p_now)
                ON CONFLICT (scope, key) DO NOTHING;
                IF NOT FOUND THEN
                    RETURN QUERY SELECT true, i.request_hash, i.status, i.body FROM idempotency_keys i
                        WHERE i.scope = p_scope AND i.key = p_key;
                    RETURN;
                END IF;
            END IF;

            -- The currencies: a shared advisory lock on each (a limit edit takes it exclusively,
            -- `PostgresLedgerStore.editCurrency`), which costs no row lock, no multixact and no
            -- log record, unlike locking the one row every batch of a realm touches; then their
            -- rows, read by `= ANY` on their key in a subquery of their own, must be as planned.
            PERFORM pg_advisory_xact_lock_shared(hashtextextended('tally-currency:' || p_realm || ':' || c, 0))
            FROM unnest(p_currencies) AS c;
            SELECT count(*) INTO matched
            FROM (
                SELECT c.id, c.archived_at, c.minimum_balance, c.maximum_balance, c.transferable, c.is_default
                FROM currencies c WHERE c.realm_id = p_realm AND c.id = ANY(p_currencies) OFFSET 0) AS c
            JOIN unnest(p_currencies, p_archived, p_minimums, p_has_maximum, p_maximums, p_transferable, p_defaults)
                AS e(id, archived, minimum, has_maximum, maximum, transferable, is_default)
                ON c.id = e.id AND (c.archived_at IS NOT NULL) = e.archived AND c.minimum_balance = e.minimum
                AND (c.maximum_balance IS NOT NULL) = e.has_maximum AND coalesce(c.maximum_balance, 0) = e.maximum
                AND c.transferable = e.transferable AND c.is_default = e.is_default;
            IF matched <> cardinality(p_currencies) THEN
                RAISE EXCEPTION 'the batch was planned from a currency that has changed' USING ERRCODE = '40001';
            END IF;

            SELECT count(*) INTO matched
            FROM (SELECT m.id, m.ghost FROM members m WHERE m.realm_id = p_realm AND m.id = ANY(p_members) OFFSET 0) AS m
            JOIN unnest(p_members, p_ghosts) AS e(id, ghost) ON m.id = e.id AND m.ghost = e.ghost;
            IF matched <> cardinality(p_members) THEN
                RAISE EXCEPTION 'the batch was planned from a member that has changed' USING ERRCODE = '40001';
            END IF;

            -- The balances are created (at 0) or locked in key order by the upsert's arbiter, a
            -- probe of the primary key whatever the statistics say, and must hold what the plan
            -- started from (0 for one that did not exist).
            WITH locked AS (
                INSERT INTO balances AS b (realm_id, currency_id, member_id, balance, updated_at)
                SELECT p_realm, e.c, e.m, 0, p_now FROM unnest(p_key_currencies, p_key_members) AS e(c, m)
                ORDER BY e.c, e.m
                -- Not SET balance: this only locks, and leaves the limits trigger to the write.
                ON CONFLICT (realm_id, currency_id, member_id) DO UPDATE SET updated_at = b.updated_at
                RETURNING b.currency_id, b.member_id, b.balance)
            SELECT count(*) INTO matched FROM locked
            JOIN unnest(p_key_currencies, p_key_members, p_starts) AS e(c, m, start)
                ON locked.currency_id = e.c AND locked.member_id = e.m AND locked.balance = e.start;
            IF matched <> cardinality(p_key_currencies) THEN
                RAISE EXCEPTION 'the batch was planned from a balance that has changed' USING ERRCODE = '40001';
            END IF;

            INSERT INTO balances AS b (realm_id, currency_id, member_id, balance, updated_at)
            SELECT p_realm, e.c, e.m, e.final, p_now
            FROM unnest(p_key_currencies, p_key_members, p_finals) AS e(c, m, final)
            ON CONFLICT (realm_id, currency_id, member_id)
            DO UPDATE SET balance = excluded.balance, updated_at = excluded.updated_at;

            INSERT INTO journal (id, realm_id, member_id, currency_id, amount, balance_before, balance_after,
                batch_id, initiator_id, kind, created_at)
            SELECT e.id, p_realm, e.m, e.c, e.amount, e.before, e.after, p_batch_id, p_initiator, p_kind, p_now
            FROM unnest(p_entry_ids, p_entry_members, p_entry_currencies, p_amounts, p_befores, p_afters)
                WITH ORDINALITY AS e(id, m, c, amount, before, after, n)
            ORDER BY e.n;

            INSERT INTO event_drafts (realm_id, id, type, data, created_at)
            SELECT p_realm, e.id, e.type, e.data, p_now
            FROM unnest(p_event_ids, p_event_types, p_event_data) WITH ORDINALITY AS e(id, type, data, n)
            ORDER BY e.n;

            RETURN QUERY SELECT false, NULL::BYTEA, NULL::INTEGER, NULL::BYTEA;
        END $$
        """
    ]

    /// Webhook subscriptions, where each one's delivery stands (and who holds its lease), and
    /// the attempts made (docs/EVENTS.md).
    static let webhooks: [String] = [
        """
        CREATE TABLE webhooks (
            id TEXT PRIMARY KEY CHECK (length(id) = 24),
            realm_id TEXT NOT NULL REFERENCES realms(id),
            url TEXT NOT NULL,
            types TEXT,
            enabled BOOLEAN NOT NULL,
            secret TEXT NOT NULL,
            delivered_through BIGINT NOT NULL CHECK (delivered_through >= 0),
            attempts INTEGER NOT NULL CHECK (attempts >= 0),
            next_attempt_at BIGINT NOT NULL,
            last_failed_seq BIGINT,
            lease_owner TEXT,
            lease_until BIGINT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX webhooks_by_realm ON webhooks (realm_id, created_at)",
        """
        CREATE TABLE webhook_attempts (
            id TEXT PRIMARY KEY CHECK (length(id) = 24),
            webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
            event_seq BIGINT NOT NULL,
            event_id TEXT NOT NULL,
            attempt INTEGER NOT NULL CHECK (attempt > 0),
            outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'failed')),
            status_code INTEGER,
            error TEXT,
            duration_ms BIGINT NOT NULL,
            attempted_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (webhook_id, attempted_at)",
        "CREATE INDEX webhook_attempts_by_time ON webhook_attempts (attempted_at)",
        // A key that holds every scope there was (the default) keeps holding every scope,
        // webhooks:write among them; a key given fewer keeps just those.
        """
        UPDATE api_keys
        SET scopes = 'currencies:read,currencies:write,events:read,members:read,members:write,points:write,realm:read,webhooks:write'
        WHERE scopes = 'currencies:read,currencies:write,events:read,members:read,members:write,points:write,realm:read'
        """,
    ]

    /// Each realm's feed of events (docs/EVENTS.md), numbered 1, 2, 3, ... by the realm's
    /// counter in event_sequences, both written in the transaction of the write they describe.
    /// The counter's row lock, held until the commit, makes a realm's events commit in
    /// sequence order (docs/SCALING.md).
    static let events: [String] = [
        """
        CREATE TABLE events (
            realm_id TEXT NOT NULL REFERENCES realms(id),
            seq BIGINT NOT NULL CHECK (seq > 0),
            id TEXT NOT NULL CHECK (length(id) = 24),
            type TEXT NOT NULL,
            data TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (realm_id, seq)
        )
        """,
        """
        CREATE TABLE event_sequences (
            realm_id TEXT NOT NULL PRIMARY KEY REFERENCES realms(id),
            last_seq BIGINT NOT NULL CHECK (last_seq > 0)
        )
        """,
        // A key that holds every scope there was (the default) keeps holding every scope,
        // events:read among them; a key given fewer keeps just those.
        """
        UPDATE api_keys
        SET scopes = 'currencies:read,currencies:write,events:read,members:read,members:write,points:write,realm:read'
        WHERE scopes = 'currencies:read,currencies:write,members:read,members:write,points:write,realm:read'
        """,
    ]

    /// The journal gains the `import` kind: the opening entries of balances brought in from
    /// elsewhere (`tally import`, `tally member import` with balance columns).
    static let importEntries: [String] = [
        "ALTER TABLE journal DROP CONSTRAINT journal_kind_check",
        // NOT VALID: the rows already there passed the narrower check; new rows are checked.
        """
        ALTER TABLE journal ADD CONSTRAINT journal_kind_check
            CHECK (kind IN ('batch', 'single', 'transfer', 'link', 'import')) NOT VALID
        """,
    ]

    /// Applies the migrations not yet recorded, in one transaction, under an advisory lock so
    /// that servers starting together do not race to create the same tables. `lastID` stops
    /// after that migration (tests build a database as an older version left it).
    static func migrate(_ connection: PostgresConnection, logger: Logger, through lastID: String? = nil) async throws {
        try await connection.query("BEGIN", logger: logger)
        do {
            // Any constant works; this one spells "tally" and keeps migrations one at a time.
            try await connection.query("SELECT pg_advisory_xact_lock(7461617108)", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS tally_migrations (
                    id TEXT NOT NULL PRIMARY KEY,
                    applied_at BIGINT NOT NULL
                )
                """, logger: logger)
            var applied = Set<String>()
            for try await id in try await connection.query("SELECT id FROM tally_migrations", logger: logger)
                .decode(String.self)
            {
                applied.insert(id)
            }
            let count =
                lastID.map { last in
                    guard let index = all.firstIndex(where: { $0.id == last }) else {
                        preconditionFailure("there is no migration \(last)")
                    }
                    return index + 1
                } ?? all.count
            for migration in all.prefix(count) where !applied.contains(migration.id) {
                for step in migration.steps {
                    switch step {
                    case .sql(let statement):
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    case .run(let work):
                        try await work(connection, logger)
                    }
                }
                try await connection.query(
                    """
                    INSERT INTO tally_migrations (id, applied_at)
                    VALUES (\(migration.id), (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
                    """, logger: logger)
                logger.info("applied migration", metadata: ["id": "\(migration.id)"])
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            await connection.rollBack(logger: logger)
            throw error
        }
    }

    static let foundation: [String] = [
        """
        CREATE TABLE realms (
            id TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 24),
            name TEXT NOT NULL CHECK (length(name) > 0),
            description TEXT NOT NULL DEFAULT '',
            subdomain TEXT UNIQUE,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE currencies (
            realm_id TEXT NOT NULL REFERENCES realms(id),
            id TEXT NOT NULL CHECK (length(id) = 24),
            name TEXT NOT NULL CHECK (length(name) > 0),
            emoji TEXT,
            custom_emoji_url TEXT,
            is_default BOOLEAN NOT NULL DEFAULT FALSE,
            archived_at BIGINT,
            minimum_balance BIGINT NOT NULL DEFAULT 0 CHECK (minimum_balance <= 0),
            maximum_balance BIGINT CHECK (maximum_balance IS NULL OR maximum_balance >= 0),
            transferable BOOLEAN NOT NULL DEFAULT TRUE,
            metadata TEXT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (realm_id, id),
            -- An archived currency is never the default (a trigger in SQLite, a CHECK here).
            CONSTRAINT currencies_archived_not_default CHECK (NOT (is_default AND archived_at IS NOT NULL))
        )
        """,
        "CREATE UNIQUE INDEX currencies_one_default ON currencies(realm_id) WHERE is_default",
        """
        CREATE TABLE members (
            realm_id TEXT NOT NULL REFERENCES realms(id),
            id TEXT NOT NULL CHECK (length(id) = 24),
            username TEXT,
            discord_id TEXT,
            twitter_id TEXT,
            wallet TEXT,
            email TEXT,
            metadata TEXT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (realm_id, id)
        )
        """,
        "CREATE UNIQUE INDEX members_username ON members(realm_id, username) WHERE username IS NOT NULL",
        "CREATE UNIQUE INDEX members_discord_id ON members(realm_id, discord_id) WHERE discord_id IS NOT NULL",
        "CREATE UNIQUE INDEX members_twitter_id ON members(realm_id, twitter_id) WHERE twitter_id IS NOT NULL",
        "CREATE UNIQUE INDEX members_wallet ON members(realm_id, wallet) WHERE wallet IS NOT NULL",
        "CREATE UNIQUE INDEX members_email ON members(realm_id, email) WHERE email IS NOT NULL",
        """
        CREATE TABLE balances (
            realm_id TEXT NOT NULL,
            currency_id TEXT NOT NULL,
            member_id TEXT NOT NULL,
            balance BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (realm_id, currency_id, member_id),
            FOREIGN KEY (realm_id, currency_id) REFERENCES currencies(realm_id, id),
            FOREIGN KEY (realm_id, member_id) REFERENCES members(realm_id, id)
        )
        """,
        "CREATE INDEX balances_leaderboard ON balances(realm_id, currency_id, balance DESC, member_id)",
        // A CHECK cannot read another table, so the currency's floor and ceiling are a trigger:
        // the schema refuses an out-of-range balance even if the code that plans batches errs.
        """
        CREATE FUNCTION balances_within_limits() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE floor_ BIGINT; ceiling_ BIGINT;
        BEGIN
            SELECT minimum_balance, maximum_balance INTO floor_, ceiling_ FROM currencies
                WHERE realm_id = NEW.realm_id AND id = NEW.currency_id;
            IF NEW.balance < floor_ OR (ceiling_ IS NOT NULL AND NEW.balance > ceiling_) THEN
                RAISE EXCEPTION 'balance % is outside the currency limits', NEW.balance
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'balances_within_limits';
            END IF;
            RETURN NEW;
        END $$
        """,
        """
        CREATE TRIGGER balances_within_limits BEFORE INSERT OR UPDATE OF balance ON balances
            FOR EACH ROW EXECUTE FUNCTION balances_within_limits()
        """,
        // The journal: one row per applied change, append-only (the triggers refuse UPDATE,
        // DELETE and TRUNCATE). seq orders each balance's entries: a balance's rows are locked
        // while its entries are written, so a later entry of one balance always has a larger seq.
        """
        CREATE TABLE journal (
            realm_id TEXT NOT NULL,
            seq BIGINT GENERATED ALWAYS AS IDENTITY,
            id TEXT NOT NULL CHECK (length(id) = 24),
            member_id TEXT NOT NULL,
            currency_id TEXT NOT NULL,
            amount BIGINT NOT NULL,
            balance_before BIGINT NOT NULL,
            balance_after BIGINT NOT NULL,
            batch_id TEXT NOT NULL CHECK (length(batch_id) = 24),
            initiator_id TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('batch', 'single', 'transfer')),
            created_at BIGINT NOT NULL,
            PRIMARY KEY (realm_id, seq),
            CHECK (balance_before + amount = balance_after),
            FOREIGN KEY (realm_id, currency_id) REFERENCES currencies(realm_id, id),
            FOREIGN KEY (realm_id, member_id) REFERENCES members(realm_id, id)
        )
        """,
        "CREATE INDEX journal_by_member ON journal(realm_id, member_id, seq)",
        """
        CREATE FUNCTION journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the journal is append-only';
        END $$
        """,
        "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal FOR EACH ROW EXECUTE FUNCTION journal_append_only()",
        "CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal FOR EACH ROW EXECUTE FUNCTION journal_append_only()",
        """
        CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal
            FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only()
        """,
        // API keys: only the SHA-256 of the secret is stored. realm_id NULL = admin key.
        """
        CREATE TABLE api_keys (
            id TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 24),
            realm_id TEXT REFERENCES realms(id),
            name TEXT,
            scopes TEXT NOT NULL,
            secret_hash BYTEA NOT NULL CHECK (length(secret_hash) = 32),
            created_at BIGINT NOT NULL,
            revoked_at BIGINT
        )
        """,
        "CREATE INDEX api_keys_by_realm ON api_keys(realm_id)",
        // Idempotency-Key records: the request's hash and the full response, written in the same
        // transaction as the change they describe. scope is the key's realm id, or "admin:" and
        // the admin key's id.
        """
        CREATE TABLE idempotency_keys (
            scope TEXT NOT NULL,
            key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
            request_hash BYTEA NOT NULL CHECK (length(request_hash) = 32),
            status INTEGER NOT NULL,
            body BYTEA NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (scope, key)
        )
        """,
        "CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at)",
    ]

    /// Ghost credentials: identities that hold balances before a member owns them. Each one's
    /// balances live under a balance holder, a `members` row marked `ghost` that member lists,
    /// searches and leaderboards skip; the journal gains the `link` kind, for the moves of a link.
    static let ghostCredentials: [String] = [
        "ALTER TABLE members ADD COLUMN ghost BOOLEAN NOT NULL DEFAULT false",
        "CREATE INDEX members_ghosts ON members(realm_id, id) WHERE ghost",
        """
        CREATE TABLE credentials (
            realm_id TEXT NOT NULL,
            id TEXT NOT NULL CHECK (length(id) = 24),
            type TEXT NOT NULL CHECK (type IN ('twitter-id', 'discord-id', 'wallet', 'email', 'custom')),
            source TEXT NOT NULL,
            value TEXT NOT NULL,
            match_key TEXT NOT NULL,
            account_id TEXT,
            provider TEXT,
            username TEXT,
            chain TEXT,
            wallet_provider TEXT,
            wallet_name TEXT,
            metadata TEXT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            linked_at BIGINT,
            PRIMARY KEY (realm_id, id),
            FOREIGN KEY (realm_id, id) REFERENCES members(realm_id, id),
            FOREIGN KEY (realm_id, account_id) REFERENCES members(realm_id, id)
        )
        """,
        "CREATE UNIQUE INDEX credentials_identity ON credentials(realm_id, type, source, match_key)",
        "ALTER TABLE journal DROP CONSTRAINT journal_kind_check",
        // NOT VALID: the rows already there passed the narrower check; new rows are checked.
        """
        ALTER TABLE journal ADD CONSTRAINT journal_kind_check
            CHECK (kind IN ('batch', 'single', 'transfer', 'link')) NOT VALID
        """,
    ]
    /// Emails and EVM addresses match without regard to case: each member gets the
    /// `CredentialMatching` key of its wallet and email, and those keys (not the values as given)
    /// are unique per realm. Also the chain and application name a wallet may be given with.
    ///
    /// A realm may already hold members whose emails (or wallets) differ only in case, which the
    /// exact indexes allowed. Nothing is lost: the oldest of them (by join time, then id) keeps
    /// the key, and each later one keeps its value but a NULL key, so searches by that
    /// credential find only the oldest while the others stay reachable by drip id (an operator
    /// lists them with `SELECT realm_id, id, email FROM members WHERE email IS NOT NULL AND
    /// email_key IS NULL`, and the same for wallets). The same outcome as SQLite's migration.
    static let credentialMatchKeys: [Step] = [
        .sql(
            """
            ALTER TABLE members ADD COLUMN wallet_key TEXT, ADD COLUMN email_key TEXT, ADD COLUMN wallet_chain TEXT,
                ADD COLUMN wallet_name TEXT
            """),
        .run { connection, logger in try await backfillMatchKeys(connection, logger: logger) },
        .sql(keepingOnlyTheOldestKey("wallet_key")),
        .sql(keepingOnlyTheOldestKey("email_key")),
        .sql("DROP INDEX members_wallet"),
        .sql("DROP INDEX members_email"),
        .sql("CREATE UNIQUE INDEX members_wallet_key ON members(realm_id, wallet_key) WHERE wallet_key IS NOT NULL"),
        .sql("CREATE UNIQUE INDEX members_email_key ON members(realm_id, email_key) WHERE email_key IS NOT NULL"),
    ]

    /// Members read per round trip of the backfill.
    static let backfillChunkRows = 10_000

    /// Fills `wallet_key` and `email_key` of every member that has a wallet or an email with
    /// `CredentialMatching.key`, computed here in Swift, so the keys are exactly those new members
    /// are inserted with (no SQL wording of the rule, whose lower() depends on the database's
    /// locale). Walks the members in primary key order, a chunk at a time.
    static func backfillMatchKeys(
        _ connection: PostgresConnection, logger: Logger, chunkRows: Int = backfillChunkRows
    ) async throws {
        var after = (realm: "", id: "")
        while true {
            var realms = [String](), ids = [String](), wallets = [String](), emails = [String]()
            let rows = try await connection.query(
                """
                SELECT realm_id, id, wallet, email FROM members
                WHERE (wallet IS NOT NULL OR email IS NOT NULL) AND (realm_id, id) > (\(after.realm), \(after.id))
                ORDER BY realm_id, id LIMIT \(Int64(chunkRows))
                """, logger: logger)
            for try await (realm, id, wallet, email) in rows.decode((String, String, String?, String?).self) {
                realms.append(realm)
                ids.append(id)
                // postgres-nio encodes no optional array elements: an empty text stands for NULL
                // (a stored credential is never empty).
                wallets.append(wallet.map { CredentialMatching.key(.wallet, $0) } ?? "")
                emails.append(email.map { CredentialMatching.key(.email, $0) } ?? "")
            }
            guard let realm = realms.last, let id = ids.last else { return }
            try await connection.query(
                """
                UPDATE members AS m SET wallet_key = NULLIF(v.w, ''), email_key = NULLIF(v.e, '')
                FROM unnest(\(realms)::text[], \(ids)::text[], \(wallets)::text[], \(emails)::text[]) AS v(r, i, w, e)
                WHERE m.realm_id = v.r AND m.id = v.i
                """, logger: logger)
            after = (realm, id)
        }
    }

    /// Clears `column` (a fixed name) on every member of a realm but the oldest that holds the
    /// same key.
    static func keepingOnlyTheOldestKey(_ column: String) -> String {
        """
        UPDATE members SET \(column) = NULL WHERE (realm_id, id) IN (
            SELECT realm_id, id FROM (
                SELECT realm_id, id,
                    row_number() OVER (PARTITION BY realm_id, \(column) ORDER BY created_at, id) AS place
                FROM members WHERE \(column) IS NOT NULL
            ) AS ranked WHERE place > 1)
        """
    }
}

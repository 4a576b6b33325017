import GRDB
import TallyCore

/// The versioned schema of the embedded store. A shipped migration is never edited: a change is
/// a new migration. Ids match the PostgreSQL backend's.
enum SQLiteMigrations {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001-foundation") { db in
            try db.execute(
                sql: """
                    CREATE TABLE realms (
                        id TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 24),
                        name TEXT NOT NULL CHECK (length(name) > 0),
                        description TEXT NOT NULL DEFAULT '',
                        subdomain TEXT UNIQUE,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );

                    CREATE TABLE currencies (
                        realm_id TEXT NOT NULL REFERENCES realms(id),
                        id TEXT NOT NULL CHECK (length(id) = 24),
                        name TEXT NOT NULL CHECK (length(name) > 0),
                        emoji TEXT,
                        custom_emoji_url TEXT,
                        is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
                        archived_at INTEGER,
                        minimum_balance INTEGER NOT NULL DEFAULT 0 CHECK (minimum_balance <= 0),
                        maximum_balance INTEGER CHECK (maximum_balance IS NULL OR maximum_balance >= 0),
                        transferable INTEGER NOT NULL DEFAULT 1 CHECK (transferable IN (0, 1)),
                        metadata TEXT,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY (realm_id, id)
                    ) WITHOUT ROWID;
                    CREATE UNIQUE INDEX currencies_one_default ON currencies(realm_id) WHERE is_default = 1;
                    -- An archived currency is never the default.
                    CREATE TRIGGER currencies_archived_not_default BEFORE UPDATE ON currencies
                        WHEN NEW.is_default = 1 AND NEW.archived_at IS NOT NULL
                        BEGIN SELECT RAISE(ABORT, 'an archived currency cannot be the default'); END;

                    CREATE TABLE members (
                        realm_id TEXT NOT NULL REFERENCES realms(id),
                        id TEXT NOT NULL CHECK (length(id) = 24),
                        username TEXT,
                        discord_id TEXT,
                        twitter_id TEXT,
                        wallet TEXT,
                        email TEXT,
                        metadata TEXT,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY (realm_id, id)
                    ) WITHOUT ROWID;
                    CREATE UNIQUE INDEX members_username ON members(realm_id, username) WHERE username IS NOT NULL;
                    CREATE UNIQUE INDEX members_discord_id ON members(realm_id, discord_id) WHERE discord_id IS NOT NULL;
                    CREATE UNIQUE INDEX members_twitter_id ON members(realm_id, twitter_id) WHERE twitter_id IS NOT NULL;
                    CREATE UNIQUE INDEX members_wallet ON members(realm_id, wallet) WHERE wallet IS NOT NULL;
                    CREATE UNIQUE INDEX members_email ON members(realm_id, email) WHERE email IS NOT NULL;

                    CREATE TABLE balances (
                        realm_id TEXT NOT NULL,
                        currency_id TEXT NOT NULL,
                        member_id TEXT NOT NULL,
                        balance INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY (realm_id, currency_id, member_id),
                        FOREIGN KEY (realm_id, currency_id) REFERENCES currencies(realm_id, id),
                        FOREIGN KEY (realm_id, member_id) REFERENCES members(realm_id, id)
                    ) WITHOUT ROWID;
                    CREATE INDEX balances_leaderboard ON balances(realm_id, currency_id, balance DESC, member_id);

                    -- The journal: one row per applied change, append-only (the triggers refuse
                    -- UPDATE and DELETE). seq is the global commit order.
                    CREATE TABLE journal (
                        seq INTEGER PRIMARY KEY,
                        id TEXT NOT NULL CHECK (length(id) = 24),
                        realm_id TEXT NOT NULL,
                        member_id TEXT NOT NULL,
                        currency_id TEXT NOT NULL,
                        amount INTEGER NOT NULL,
                        balance_before INTEGER NOT NULL,
                        balance_after INTEGER NOT NULL,
                        batch_id TEXT NOT NULL CHECK (length(batch_id) = 24),
                        initiator_id TEXT,
                        kind TEXT NOT NULL CHECK (kind IN ('batch', 'single', 'transfer')),
                        created_at INTEGER NOT NULL,
                        CHECK (balance_before + amount = balance_after),
                        FOREIGN KEY (realm_id, currency_id) REFERENCES currencies(realm_id, id),
                        FOREIGN KEY (realm_id, member_id) REFERENCES members(realm_id, id)
                    );
                    CREATE INDEX journal_by_member ON journal(realm_id, member_id, seq);
                    CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
                        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                    CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
                        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;

                    -- API keys: only the SHA-256 of the secret is stored. realm_id NULL = admin key.
                    CREATE TABLE api_keys (
                        id TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 24),
                        realm_id TEXT REFERENCES realms(id),
                        name TEXT,
                        scopes TEXT NOT NULL,
                        secret_hash BLOB NOT NULL CHECK (length(secret_hash) = 32),
                        created_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    );
                    CREATE INDEX api_keys_by_realm ON api_keys(realm_id);

                    -- Idempotency-Key records: the request's hash and the full response, written in the
                    -- same transaction as the change they describe. scope is the key's realm id, or
                    -- "admin:" and the admin key's id.
                    CREATE TABLE idempotency_keys (
                        scope TEXT NOT NULL,
                        key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
                        request_hash BLOB NOT NULL CHECK (length(request_hash) = 32),
                        status INTEGER NOT NULL,
                        body BLOB NOT NULL,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (scope, key)
                    );
                    CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);
                    """)
        }
        migrator.registerMigration("0002-credential-match-keys", migrate: credentialMatchKeys)
        migrator.registerMigration("0003-ghost-credentials") { db in
            // Ghost credentials: identities that hold balances before a member owns them. Each
            // one's balances live under a balance holder, a `members` row marked `ghost` that
            // member lists, searches and leaderboards skip.
            try db.execute(
                sql: """
                    ALTER TABLE members ADD COLUMN ghost INTEGER NOT NULL DEFAULT 0 CHECK (ghost IN (0, 1));
                    CREATE INDEX members_ghosts ON members(realm_id, id) WHERE ghost = 1;
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
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        linked_at INTEGER,
                        PRIMARY KEY (realm_id, id),
                        FOREIGN KEY (realm_id, id) REFERENCES members(realm_id, id),
                        FOREIGN KEY (realm_id, account_id) REFERENCES members(realm_id, id)
                    ) WITHOUT ROWID;
                    CREATE UNIQUE INDEX credentials_identity ON credentials(realm_id, type, source, match_key);
                    """)
            try widenJournalKinds(
                db, from: "kind IN ('batch', 'single', 'transfer')",
                to: "kind IN ('batch', 'single', 'transfer', 'link')")
        }
        migrator.registerMigration("0004-import-entries") { db in
            // The journal gains the `import` kind: the opening entries of balances brought in
            // from elsewhere (`tally import`, `tally member import` with balance columns).
            try widenJournalKinds(
                db, from: "kind IN ('batch', 'single', 'transfer', 'link')",
                to: "kind IN ('batch', 'single', 'transfer', 'link', 'import')")
        }
        migrator.registerMigration("0005-events") { db in
            // Each realm's feed of events (docs/EVENTS.md), numbered 1, 2, 3, ... by the realm's
            // counter in event_sequences, both written in the transaction of the write they
            // describe.
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        realm_id TEXT NOT NULL REFERENCES realms(id),
                        seq INTEGER NOT NULL CHECK (seq > 0),
                        id TEXT NOT NULL CHECK (length(id) = 24),
                        type TEXT NOT NULL,
                        data TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (realm_id, seq)
                    ) WITHOUT ROWID;
                    CREATE TABLE event_sequences (
                        realm_id TEXT NOT NULL PRIMARY KEY REFERENCES realms(id),
                        last_seq INTEGER NOT NULL CHECK (last_seq > 0)
                    ) WITHOUT ROWID;
                    """)
            // A key that holds every scope there was (the default) keeps holding every scope,
            // events:read among them; a key given fewer keeps just those.
            try db.execute(
                sql: """
                    UPDATE api_keys
                    SET scopes = 'currencies:read,currencies:write,events:read,members:read,members:write,points:write,realm:read'
                    WHERE scopes = 'currencies:read,currencies:write,members:read,members:write,points:write,realm:read'
                    """)
        }
        migrator.registerMigration("0006-webhooks") { db in
            // Webhook subscriptions, where each one's delivery stands (and who holds its lease),
            // and the attempts made (docs/EVENTS.md).
            try db.execute(
                sql: """
                    CREATE TABLE webhooks (
                        id TEXT PRIMARY KEY CHECK (length(id) = 24),
                        realm_id TEXT NOT NULL REFERENCES realms(id),
                        url TEXT NOT NULL,
                        types TEXT,
                        enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
                        secret TEXT NOT NULL,
                        delivered_through INTEGER NOT NULL CHECK (delivered_through >= 0),
                        attempts INTEGER NOT NULL CHECK (attempts >= 0),
                        next_attempt_at INTEGER NOT NULL,
                        last_failed_seq INTEGER,
                        lease_owner TEXT,
                        lease_until INTEGER,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX webhooks_by_realm ON webhooks (realm_id, created_at);
                    CREATE TABLE webhook_attempts (
                        id TEXT PRIMARY KEY CHECK (length(id) = 24),
                        webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
                        event_seq INTEGER NOT NULL,
                        event_id TEXT NOT NULL,
                        attempt INTEGER NOT NULL CHECK (attempt > 0),
                        outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'failed')),
                        status_code INTEGER,
                        error TEXT,
                        duration_ms INTEGER NOT NULL,
                        attempted_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (webhook_id, attempted_at);
                    CREATE INDEX webhook_attempts_by_time ON webhook_attempts (attempted_at);
                    """)
            // A key that holds every scope there was (the default) keeps holding every scope,
            // webhooks:write among them; a key given fewer keeps just those.
            try db.execute(
                sql: """
                    UPDATE api_keys
                    SET scopes = 'currencies:read,currencies:write,events:read,members:read,members:write,points:write,realm:read,webhooks:write'
                    WHERE scopes = 'currencies:read,currencies:write,events:read,members:read,members:write,points:write,realm:read'
                    """)
        }
        migrator.registerMigration("0007-balance-file") { db in
            // The balances, the leaderboard's index and the member index of the journal move to
            // the balance file, which follows the journal (docs/decisions/0009); opening the
            // store rebuilds it from the journal, whose every entry carries its balance after.
            try db.execute(
                sql: """
                    DROP INDEX main.balances_leaderboard;
                    DROP TABLE main.balances;
                    DROP INDEX main.journal_by_member;
                    """)
        }
        migrator.registerMigration("0008-public-leaderboard") { db in
            // Whether the realm's leaderboard is public (docs/CONSOLE.md); off for every realm.
            try db.execute(
                sql: """
                    ALTER TABLE realms ADD COLUMN public_leaderboard INTEGER NOT NULL DEFAULT 0
                        CHECK (public_leaderboard IN (0, 1))
                    """)
        }
        migrator.registerMigration("0009-realm-counts") { db in
            // Each realm's member count (ghost credentials' holders left out), kept by triggers
            // so that the console's overview counts nothing (docs/CONSOLE.md).
            try db.execute(
                sql: """
                    CREATE TABLE realm_counts (
                        realm_id TEXT NOT NULL PRIMARY KEY REFERENCES realms(id),
                        members INTEGER NOT NULL CHECK (members >= 0)
                    ) WITHOUT ROWID;
                    INSERT INTO realm_counts (realm_id, members)
                        SELECT realm_id, count(*) FROM members WHERE ghost = 0 GROUP BY realm_id;
                    CREATE TRIGGER members_counted AFTER INSERT ON members WHEN NEW.ghost = 0
                    BEGIN
                        INSERT INTO realm_counts (realm_id, members) VALUES (NEW.realm_id, 1)
                        ON CONFLICT (realm_id) DO UPDATE SET members = members + 1;
                    END;
                    CREATE TRIGGER members_recounted AFTER UPDATE OF ghost ON members WHEN NEW.ghost <> OLD.ghost
                    BEGIN
                        INSERT INTO realm_counts (realm_id, members) VALUES (NEW.realm_id, 1 - NEW.ghost)
                        ON CONFLICT (realm_id) DO UPDATE SET members = members + (CASE NEW.ghost WHEN 0 THEN 1 ELSE -1 END);
                    END;
                    CREATE TRIGGER members_uncounted AFTER DELETE ON members WHEN OLD.ghost = 0
                    BEGIN
                        UPDATE realm_counts SET members = members - 1 WHERE realm_id = OLD.realm_id;
                    END;
                    """)
        }
        return migrator
    }

    /// Lets the journal hold more kinds of entry: replaces the `narrow` IN list of its kind CHECK
    /// with the `wide` one. SQLite cannot alter a CHECK constraint, and rebuilding the journal
    /// would copy every entry, so this edits the table's declared SQL in place, as SQLite
    /// documents for loosening a constraint ("Making Other Kinds Of Table Schema Changes"):
    /// widening an IN list changes no stored row, only which new rows are accepted.
    static func widenJournalKinds(_ db: Database, from narrow: String, to wide: String) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        try db.execute(sql: "PRAGMA writable_schema = ON")
        try db.execute(
            sql: "UPDATE sqlite_schema SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'journal'",
            arguments: [narrow, wide])
        try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
        try db.execute(sql: "PRAGMA writable_schema = OFF")
        let declared = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE name = 'journal'") ?? ""
        guard declared.contains(wide) else {
            throw DatabaseError(message: "could not widen the journal's kinds; its declared SQL is unexpected")
        }
    }

    /// Emails and EVM addresses match without regard to case: each member gets the
    /// `CredentialMatching` key of its wallet and email, and those keys (not the values as given)
    /// are unique per realm. Also the chain and application name a wallet may be given with.
    ///
    /// A realm may already hold members whose emails (or wallets) differ only in case, which the
    /// exact indexes allowed. Nothing is lost: the oldest of them (by join time, then id) keeps
    /// the key, and each later one keeps its value but a NULL key, so searches by that
    /// credential find only the oldest while the others stay reachable by drip id (an operator
    /// lists them with `SELECT realm_id, id, email FROM members WHERE email IS NOT NULL AND
    /// email_key IS NULL`, and the same for wallets).
    static func credentialMatchKeys(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE members ADD COLUMN wallet_key TEXT;
                ALTER TABLE members ADD COLUMN email_key TEXT;
                ALTER TABLE members ADD COLUMN wallet_chain TEXT;
                ALTER TABLE members ADD COLUMN wallet_name TEXT;
                """)
        // The keys are computed by the same Swift rule new members are inserted with, never
        // worded again in SQL (SQLite's lower() folds ASCII only).
        let key = DatabaseFunction("tally_credential_key", argumentCount: 2, pure: true) { values in
            guard let kindText = String.fromDatabaseValue(values[0]),
                let kind = Credentials.Kind(rawValue: kindText), let value = String.fromDatabaseValue(values[1])
            else { return nil }
            return CredentialMatching.key(kind, value)
        }
        db.add(function: key)
        defer { db.remove(function: key) }
        try db.execute(
            sql: """
                UPDATE members SET wallet_key = tally_credential_key('wallet', wallet) WHERE wallet IS NOT NULL;
                UPDATE members SET email_key = tally_credential_key('email', email) WHERE email IS NOT NULL;
                """)
        for column in ["wallet_key", "email_key"] {
            try db.execute(sql: keepingOnlyTheOldestKey(column))
        }
        try db.execute(
            sql: """
                DROP INDEX members_wallet;
                DROP INDEX members_email;
                CREATE UNIQUE INDEX members_wallet_key ON members(realm_id, wallet_key) WHERE wallet_key IS NOT NULL;
                CREATE UNIQUE INDEX members_email_key ON members(realm_id, email_key) WHERE email_key IS NOT NULL;
                """)
    }

    /// Clears `column` (a fixed name) on every member of a realm but the oldest that holds the
    /// same key (PostgreSQL's migration does the same).
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

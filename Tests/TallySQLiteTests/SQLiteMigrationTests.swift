import Foundation
import GRDB
import TallyCore
import TallyStoreConformance
import TallyTestSupport
import Testing

@testable import TallySQLite

/// Databases an older Tally left behind, opened by the current code.
@Suite(.serviceScope) struct SQLiteMigrationTests {
    /// A database at `0001-foundation` whose members' emails and wallets differ only in case
    /// migrates without error and loses nothing; the oldest of each such group keeps the key.
    @Test func caseDuplicatesSurviveTheMatchKeyMigration() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("tally.sqlite")
        let old = try DatabaseQueue(path: path)
        try SQLiteMigrations.migrator().migrate(old, upTo: "0001-foundation")
        try await old.write { db in
            for statement in LegacyCredentials.insertStatements { try db.execute(sql: statement) }
        }
        try old.close()

        let store = ServiceScope.startForTest(try SQLiteLedgerStore(path: path))
        let keys = try await DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT id, wallet_key, email_key FROM members").reduce(into: [:]) {
                keys, row in
                keys[row["id"] as String] = LegacyCredentials.Keys(wallet: row["wallet_key"], email: row["email_key"])
            }
        }
        try await LegacyCredentials.check(store, storedKeys: keys)
        let applied = try await DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        }
        #expect(
            applied == [
                "0001-foundation", "0002-credential-match-keys", "0003-ghost-credentials", "0004-import-entries",
                "0005-events", "0006-webhooks", "0007-balance-file", "0008-public-leaderboard",
                "0009-realm-counts",
            ])
    }

    /// A key stored before `0005-events` with every scope there was then (the default) gains
    /// `events:read` and, with `0006-webhooks`, `webhooks:write`; a key with every scope of 0005
    /// gains `webhooks:write`; a key given fewer scopes keeps just those.
    @Test func aKeyWithEveryScopeGainsTheNewScopesAndANarrowerKeyDoesNot() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("tally.sqlite")
        let old = try DatabaseQueue(path: path)
        try SQLiteMigrations.migrator().migrate(old, upTo: "0004-import-entries")
        let ids = IDGenerator()
        let realm = Realm(
            id: ids.make(), name: "Old", description: "", subdomain: nil, createdAtMilliseconds: 1)
        let every = APIKey(
            id: ids.make(), realmID: realm.id, name: "every",
            scopes: Set(Scope.allCases).subtracting([.eventsRead, .webhooksWrite]),
            secretHash: Array(repeating: 1, count: 32), createdAtMilliseconds: 1, revokedAtMilliseconds: nil)
        let every0005 = APIKey(
            id: ids.make(), realmID: realm.id, name: "every of 0005",
            scopes: Set(Scope.allCases).subtracting([.webhooksWrite]),
            secretHash: Array(repeating: 3, count: 32), createdAtMilliseconds: 1, revokedAtMilliseconds: nil)
        let narrow = APIKey(
            id: ids.make(), realmID: realm.id, name: "narrow", scopes: [.pointsWrite, .membersRead],
            secretHash: Array(repeating: 2, count: 32), createdAtMilliseconds: 1, revokedAtMilliseconds: nil)
        try await old.write { db in
            // The realm as the schema of 0004 holds it, before realms had more columns.
            try db.execute(
                sql: "INSERT INTO realms (id, name, description, created_at, updated_at) VALUES (?, 'Old', '', 1, 1)",
                arguments: [realm.id.rawValue])
            for statement in [
                SQLiteLedgerStore.statements.insert(every),
                SQLiteLedgerStore.statements.insert(narrow), SQLiteLedgerStore.statements.insert(every0005),
            ] {
                try db.execute(statement)
            }
        }
        try old.close()

        let store = ServiceScope.startForTest(try SQLiteLedgerStore(path: path))
        #expect(try await store.key(every.id)?.scopes == Set(Scope.allCases))
        #expect(try await store.key(every0005.id)?.scopes == Set(Scope.allCases))
        #expect(try await store.key(narrow.id)?.scopes == [.pointsWrite, .membersRead])
    }

    /// A database as the release before write path v2 leaves it (migrations up to
    /// `0006-webhooks`; every batch wrote its balances and its journal rows, found by the
    /// journal's member index) opens with a balance file built from the journal, holding the
    /// balances and the member index, which leave the database: verify passes, a member's
    /// journal pages as before, and new batches go on from the old balances.
    @Test func aVersion1DatabaseMovesToTheWritePathThatFollowsTheJournal() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("tally.sqlite")
        let old = try DatabaseQueue(path: path)
        try SQLiteMigrations.migrator().migrate(old, upTo: "0006-webhooks")
        let (realm, currency) = ("aaaaaaaaaaaaaaaaaaaaaaaa", "cccccccccccccccccccccccc")
        let members = ["dddddddddddddddddddddd01", "dddddddddddddddddddddd02"]
        try await old.write { db in
            try db.execute(
                sql: "INSERT INTO realms (id, name, created_at, updated_at) VALUES (?, 'Old', 0, 0)", arguments: [realm]
            )
            try db.execute(
                sql: """
                    INSERT INTO currencies (realm_id, id, name, is_default, minimum_balance, transferable, created_at, updated_at)
                    VALUES (?, ?, 'Points', 1, 0, 1, 0, 0)
                    """,
                arguments: [realm, currency])
            var seq = 0
            for (index, member) in members.enumerated() {
                try db.execute(
                    sql: "INSERT INTO members (realm_id, id, username, created_at, updated_at) VALUES (?, ?, ?, 0, 0)",
                    arguments: [realm, member, "m\(index)"])
                var balance: Int64 = 0
                for amount in [5, 7, 11] as [Int64] {
                    seq += 1
                    try db.execute(
                        sql: """
                            INSERT INTO journal (id, realm_id, member_id, currency_id, amount, balance_before, balance_after,
                                batch_id, kind, created_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'batch', ?)
                            """,
                        arguments: [
                            String(format: "%024d", seq), realm, member, currency, amount, balance, balance + amount,
                            String(format: "b%023d", seq), seq,
                        ])
                    balance += amount
                }
                try db.execute(
                    sql:
                        "INSERT INTO balances (realm_id, currency_id, member_id, balance, updated_at) VALUES (?, ?, ?, ?, 0)",
                    arguments: [realm, currency, member, balance])
            }
        }
        try old.close()

        let store = ServiceScope.startForTest(try SQLiteLedgerStore(path: path))
        let (tables, oldIndex) = try await DatabaseQueue(path: path).read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_schema WHERE name = 'balances'"),
                try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_schema WHERE name = 'journal_by_member'")
            )
        }
        let (covered, indexed, balances) = try await DatabaseQueue(path: BalanceFile.path(for: path)).read { db in
            (
                try BalanceFile.covered(db).seq, try Int.fetchOne(db, sql: "SELECT count(*) FROM member_journal"),
                try Int64.fetchAll(db, sql: "SELECT balance FROM balances ORDER BY member_id")
            )
        }
        #expect(tables == 0 && oldIndex == 0, "the balances and the journal's member index left the database")
        #expect(covered == 6 && indexed == 6 && balances == [23, 23], "the balance file covers the whole journal")
        #expect(try await store.verify { _ in }.isClean)
        let page = try await store.journal(of: MemberID(members[1])!, in: RealmID(realm)!, limit: 2)
        #expect(page.map(\.amount) == [11, 7], "newest first, through the new index")
        _ = try await store.apply(
            try Batch(realmID: RealmID(realm)!, changes: [Change(memberID: MemberID(members[0])!, amount: -3)]))
        #expect(
            try await store.balance(
                BalanceKey(currencyID: CurrencyID(currency)!, memberID: MemberID(members[0])!), in: RealmID(realm)!)
                == 20)
        #expect(try await store.verify { _ in }.isClean)
    }
}

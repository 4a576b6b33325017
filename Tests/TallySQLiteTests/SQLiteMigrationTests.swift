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
                "0005-events", "0006-webhooks",
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
            for statement in [
                SQLiteLedgerStore.statements.insert(realm), SQLiteLedgerStore.statements.insert(every),
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
}

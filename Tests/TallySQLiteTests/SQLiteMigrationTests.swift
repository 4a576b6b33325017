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
                "0005-events",
            ])
    }
}

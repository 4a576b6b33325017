import PostgresNIO
import TallyCore
import TallyStoreConformance
import TallyTestSupport
import Testing

@testable import TallyPostgres

/// Databases an older Tally left behind, opened by the current code.
@Suite(.enabled(if: PostgresServer.available, "PostgreSQL is not installed"), .serviceScope)
struct PostgresMigrationTests {
    /// A database at `0001-foundation` whose members' emails and wallets differ only in case
    /// migrates without error and loses nothing; the oldest of each such group keeps the key.
    @Test func caseDuplicatesSurviveTheMatchKeyMigration() async throws {
        guard let server = try await PostgresServer.shared() else { return }
        let url = try await server.makeDatabase()
        let connection = try await Self.connect(url)
        try await PostgresMigrations.migrate(connection, logger: PostgresServer.storeLogger, through: "0001-foundation")
        for statement in LegacyCredentials.insertStatements {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: PostgresServer.storeLogger)
        }

        let store = ServiceScope.startForTest(
            try PostgresLedgerStore(
                url: url, poolSize: 2, logger: PostgresServer.storeLogger,
                connectionWait: PostgresServer.connectionWait))
        try await store.migrate()
        let keys = try await Self.keys(connection)
        try await connection.close()
        try await LegacyCredentials.check(store, storedKeys: keys)
        await server.dropDatabase(url)
    }

    /// A key stored before `0005-events` with every scope there was then (the default) gains
    /// `events:read` and, with `0006-webhooks`, `webhooks:write`; a key with every scope of 0005
    /// gains `webhooks:write`; a key given fewer scopes keeps just those.
    @Test func aKeyWithEveryScopeGainsTheNewScopesAndANarrowerKeyDoesNot() async throws {
        guard let server = try await PostgresServer.shared() else { return }
        let url = try await server.makeDatabase()
        let connection = try await Self.connect(url)
        try await PostgresMigrations.migrate(
            connection, logger: PostgresServer.storeLogger, through: "0004-import-entries")
        let ids = IDGenerator()
        let realm = Realm(id: ids.make(), name: "Old", createdAtMilliseconds: 1)
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
        // The realm as the schema of 0004 holds it, before realms had more columns.
        try await connection.query(
            "INSERT INTO realms (id, name, description, created_at, updated_at) VALUES (\(realm.id.rawValue), 'Old', '', 1, 1)",
            logger: PostgresServer.storeLogger)
        for statement in [
            PostgresLedgerStore.statements.insert(every),
            PostgresLedgerStore.statements.insert(narrow), PostgresLedgerStore.statements.insert(every0005),
        ] {
            try await connection.query(statement.query, logger: PostgresServer.storeLogger)
        }
        try await connection.close()

        let store = ServiceScope.startForTest(
            try PostgresLedgerStore(
                url: url, poolSize: 2, logger: PostgresServer.storeLogger,
                connectionWait: PostgresServer.connectionWait))
        try await store.migrate()
        #expect(try await store.key(every.id)?.scopes == Set(Scope.allCases))
        #expect(try await store.key(every0005.id)?.scopes == Set(Scope.allCases))
        #expect(try await store.key(narrow.id)?.scopes == [.pointsWrite, .membersRead])
        await server.dropDatabase(url)
    }

    /// The backfill pages through the members a chunk at a time and gives each the keys
    /// `CredentialMatching.key` gives (before duplicates lose theirs).
    @Test func theBackfillGivesEveryMemberTheRulesKeysChunkByChunk() async throws {
        guard let server = try await PostgresServer.shared() else { return }
        let url = try await server.makeDatabase()
        let connection = try await Self.connect(url)
        try await PostgresMigrations.migrate(connection, logger: PostgresServer.storeLogger, through: "0001-foundation")
        for statement in LegacyCredentials.insertStatements {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: PostgresServer.storeLogger)
        }
        try await connection.query(
            "ALTER TABLE members ADD COLUMN wallet_key TEXT, ADD COLUMN email_key TEXT",
            logger: PostgresServer.storeLogger)
        try await PostgresMigrations.backfillMatchKeys(connection, logger: PostgresServer.storeLogger, chunkRows: 3)
        let keys = try await Self.keys(connection)
        try await connection.close()
        #expect(keys.count == LegacyCredentials.rows.count)
        for row in LegacyCredentials.rows {
            #expect(
                keys[row.id]
                    == LegacyCredentials.Keys(
                        wallet: row.wallet.map { CredentialMatching.key(.wallet, $0) },
                        email: row.email.map { CredentialMatching.key(.email, $0) }), "member \(row.id)")
        }
        await server.dropDatabase(url)
    }

    static func connect(_ url: String) async throws -> PostgresConnection {
        let parsed = try PostgresURL(url)
        return try await PostgresConnection.connect(
            configuration: .init(
                host: parsed.host, port: parsed.port, username: parsed.username, password: parsed.password,
                database: parsed.database, tls: .disable),
            id: 1, logger: PostgresServer.storeLogger)
    }

    /// The match keys of every member, by id.
    static func keys(_ connection: PostgresConnection) async throws -> [String: LegacyCredentials.Keys] {
        var keys = [String: LegacyCredentials.Keys]()
        let rows = try await connection.query(
            "SELECT id, wallet_key, email_key FROM members", logger: PostgresServer.storeLogger)
        for try await (id, wallet, email) in rows.decode((String, String?, String?).self) {
            keys[id] = LegacyCredentials.Keys(wallet: wallet, email: email)
        }
        return keys
    }
}

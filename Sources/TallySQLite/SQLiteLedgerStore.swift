import Foundation
import GRDB
import Logging
import TallyCore

/// The embedded default `LedgerStore`: one SQLite file in WAL mode with durable commits.
///
/// One connection writes (SQLite allows one writer); readers use their own connections and never
/// wait for it. Every method is one transaction.
public final class SQLiteLedgerStore: LedgerStore {
    let pool: DatabasePool
    let clock: TallyClock
    let ids: IDGenerator
    let logger: Logger

    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// - Parameter durability: `.full` (default) makes every acknowledged commit survive power loss.
    public init(
        path: String, durability: SQLiteDurability = .full, clock: TallyClock = .system,
        ids: IDGenerator? = nil, logger: Logger = Logger(label: "tally.sqlite")
    ) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 8
        do {
            self.pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets synchronous=NORMAL when it enables WAL; the writer is the only connection
            // that commits, so setting it there decides durability.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(durability.pragma)")
            }
        } catch let error as DatabaseError {
            logger.error("cannot open database", metadata: ["path": "\(path)", "error": "\(error)"])
            throw TallyError(.unavailable, "Cannot open the database at \(path): \(error.message ?? "unknown error").")
        }
        self.clock = clock
        self.ids = ids ?? IDGenerator(clock: clock)
        self.logger = logger
        try migrateNow()
    }

    private func migrateNow() throws {
        do {
            try SQLiteMigrations.migrator().migrate(pool)
        } catch {
            throw storageError(error, during: "migrate")
        }
    }

    /// The `synchronous` setting of the writer connection (2 = FULL, 1 = NORMAL), for tests.
    public func writerSynchronousSetting() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    public func migrate() async throws { try migrateNow() }

    // MARK: Transactions

    /// Runs `body` in a write transaction, turning driver errors into `TallyError`.
    func write<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch let error as TallyError {
            throw error
        } catch {
            throw storageError(error, during: operation)
        }
    }

    /// Runs `body` in a read transaction (a consistent snapshot), turning driver errors into `TallyError`.
    func read<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as TallyError {
            throw error
        } catch {
            throw storageError(error, during: operation)
        }
    }

    func storageError(_ error: any Error, during operation: String) -> TallyError {
        if let error = error as? TallyError { return error }
        logger.error("storage failure", metadata: ["operation": "\(operation)", "error": "\(error)"])
        return .unavailable
    }

    var nowMilliseconds: Int64 { Timestamp.milliseconds(clock.now()) }

    // MARK: Realms

    public func createRealm(name: String) async throws -> Realm {
        try Validation.name(name, field: "name", limits: .standard)
        let realm = Realm(id: ids.make(), name: name, createdAtMilliseconds: nowMilliseconds)
        try await write("createRealm") { db in
            try db.execute(
                sql: "INSERT INTO realms (id, name, created_at) VALUES (?, ?, ?)",
                arguments: [realm.id.rawValue, realm.name, realm.createdAtMilliseconds])
        }
        return realm
    }

    public func realm(_ id: RealmID) async throws -> Realm? {
        try await read("realm") { db in
            try Row.fetchOne(db, sql: "SELECT id, name, created_at FROM realms WHERE id = ?", arguments: [id.rawValue])
                .map(Self.realm(from:))
        }
    }

    public func realms() async throws -> [Realm] {
        try await read("realms") { db in
            try Row.fetchAll(db, sql: "SELECT id, name, created_at FROM realms ORDER BY created_at, id")
                .map(Self.realm(from:))
        }
    }

    static func requireRealm(_ db: Database, _ id: RealmID) throws {
        let statement = try db.cachedStatement(sql: "SELECT 1 FROM realms WHERE id = ?")
        guard try Int.fetchOne(statement, arguments: [id.rawValue]) != nil else { throw TallyError.realmNotFound(id) }
    }

    // MARK: Currencies

    public func createCurrency(_ draft: CurrencyDraft, in realmID: RealmID) async throws -> Currency {
        try draft.validate(limits: .standard)
        let now = nowMilliseconds
        let currency = Currency(
            id: ids.make(), realmID: realmID, name: draft.name, emoji: draft.emoji, isDefault: draft.isDefault,
            isArchived: false, minimumBalance: draft.minimumBalance, maximumBalance: draft.maximumBalance,
            isTransferable: draft.isTransferable, createdAtMilliseconds: now)
        try await write("createCurrency") { db in
            try Self.requireRealm(db, realmID)
            if currency.isDefault {
                try db.execute(
                    sql: "UPDATE currencies SET is_default = 0, updated_at = ? WHERE realm_id = ? AND is_default = 1",
                    arguments: [now, realmID.rawValue])
            }
            try db.execute(
                sql: """
                    INSERT INTO currencies (realm_id, id, name, emoji, is_default, minimum_balance, maximum_balance,
                        transferable, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    realmID.rawValue, currency.id.rawValue, currency.name, currency.emoji, currency.isDefault,
                    currency.minimumBalance, currency.maximumBalance, currency.isTransferable, now, now,
                ])
        }
        return currency
    }

    public func currencies(in realmID: RealmID) async throws -> [Currency] {
        try await read("currencies") { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.currencyColumns) FROM currencies WHERE realm_id = ? ORDER BY created_at, id",
                arguments: [realmID.rawValue]
            ).map(Self.currency(from:))
        }
    }

    // MARK: Members

    public func createMember(_ credentials: Credentials, in realmID: RealmID) async throws -> Member {
        try await importMembers([credentials], in: realmID, progress: { _ in })[0]
    }

    public func importMembers(
        _ rows: [Credentials], in realmID: RealmID, progress: @escaping @Sendable (Int) -> Void
    ) async throws -> [Member] {
        let now = nowMilliseconds
        let members = try rows.map { credentials in
            Member(
                id: ids.make(), realmID: realmID, credentials: try credentials.validated(limits: .standard),
                createdAtMilliseconds: now)
        }
        try await write("importMembers") { db in
            try Self.requireRealm(db, realmID)
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO members (realm_id, id, username, discord_id, twitter_id, wallet, email, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for (index, member) in members.enumerated() {
                let c = member.credentials
                do {
                    try insert.execute(arguments: [
                        realmID.rawValue, member.id.rawValue, c.username, c.discordId, c.twitterId, c.wallet, c.email,
                        now, now,
                    ])
                } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                    throw Self.credentialConflict(error, row: index, total: members.count, credentials: c)
                }
                if (index + 1) % 10_000 == 0 { progress(index + 1) }
            }
            progress(members.count)
        }
        return members
    }

    static func credentialConflict(_ error: DatabaseError, row: Int, total: Int, credentials: Credentials) -> TallyError
    {
        let message = error.message ?? ""
        let kind = Credentials.Kind.allCases.first {
            message.contains("members.\($0.rawValue.replacingOccurrences(of: "-", with: "_"))")
        }
        let what = kind.map { "\($0.rawValue) '\(credentials[$0] ?? "")'" } ?? "a credential"
        let place = total > 1 ? "Row \(row + 1): " : ""
        return TallyError(.conflict, "\(place)a member with \(what) already exists in this realm.")
    }

    public func members(in realmID: RealmID, limit: Int) async throws -> [Member] {
        try await read("members") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT realm_id, id, username, discord_id, twitter_id, wallet, email, created_at FROM members
                    WHERE realm_id = ? ORDER BY created_at, id LIMIT ?
                    """,
                arguments: [realmID.rawValue, limit]
            ).map(Self.member(from:))
        }
    }

    // MARK: Balances

    public func balance(_ key: BalanceKey, in realmID: RealmID) async throws -> Int64 {
        try await read("balance") { db in
            try Int64.fetchOne(
                db, sql: "SELECT balance FROM balances WHERE realm_id = ? AND currency_id = ? AND member_id = ?",
                arguments: [realmID.rawValue, key.currencyID.rawValue, key.memberID.rawValue]) ?? 0
        }
    }

    public func journal(of member: MemberID, in realmID: RealmID, limit: Int) async throws -> [JournalEntry] {
        try await read("journal") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.journalColumns) FROM journal WHERE realm_id = ? AND member_id = ?
                    ORDER BY seq DESC LIMIT ?
                    """,
                arguments: [realmID.rawValue, member.rawValue, limit]
            ).map(Self.journalEntry(from:))
        }
    }

    // MARK: Keys

    public func insertKey(_ key: APIKey) async throws {
        try await write("insertKey") { db in
            if let realmID = key.realmID { try Self.requireRealm(db, realmID) }
            try db.execute(
                sql: """
                    INSERT INTO api_keys (id, realm_id, name, scopes, secret_hash, created_at, revoked_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key.id.rawValue, key.realmID?.rawValue, key.name, Self.scopeText(key.scopes),
                    Data(key.secretHash), key.createdAtMilliseconds, key.revokedAtMilliseconds,
                ])
        }
    }

    public func key(_ id: KeyID) async throws -> APIKey? {
        try await read("key") { db in
            let statement = try db.cachedStatement(sql: "SELECT \(Self.keyColumns) FROM api_keys WHERE id = ?")
            return try Row.fetchOne(statement, arguments: [id.rawValue]).map(Self.key(from:))
        }
    }

    public func keys(in realmID: RealmID?) async throws -> [APIKey] {
        try await read("keys") { db in
            if let realmID {
                return try Row.fetchAll(
                    db, sql: "SELECT \(Self.keyColumns) FROM api_keys WHERE realm_id = ? ORDER BY created_at, id",
                    arguments: [realmID.rawValue]
                ).map(Self.key(from:))
            }
            return try Row.fetchAll(db, sql: "SELECT \(Self.keyColumns) FROM api_keys ORDER BY created_at, id")
                .map(Self.key(from:))
        }
    }

    public func revokeKey(_ id: KeyID) async throws -> APIKey {
        let now = nowMilliseconds
        return try await write("revokeKey") { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [now, id.rawValue])
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(Self.keyColumns) FROM api_keys WHERE id = ?", arguments: [id.rawValue])
            else { throw TallyError(.notFound, "Key \(id) was not found.") }
            return Self.key(from: row)
        }
    }
}

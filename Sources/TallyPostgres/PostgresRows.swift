import Foundation
import PostgresNIO
import TallyCore

/// Statement helpers, and row decoding of the columns `StoredSchema` lists.
extension PostgresLedgerStore {

    /// lower(): SQLite sorts with NOCASE, and the two stores must agree. SQLite sorts NULL first
    /// ascending and last descending; PostgreSQL is told to match.
    static func caseless(_ column: String, _ direction: String) -> String {
        "lower(\(column)) \(direction) \(direction == "ASC" ? "NULLS FIRST" : "NULLS LAST")"
    }

    /// Every row of `query`.
    func all(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        var rows = [PostgresRandomAccessRow]()
        for try await row in try await connection.query(query, logger: logger) { rows.append(row.makeRandomAccess()) }
        return rows
    }

    /// The first row of `query`, or nil.
    func first(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> PostgresRandomAccessRow? {
        try await all(connection, query).first
    }

    /// Runs `query`, discarding any rows.
    func run(_ connection: PostgresConnection, _ query: PostgresQuery) async throws {
        try await connection.query(query, logger: logger)
    }

    /// The single integer `query` returns (a count), or 0.
    func count(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> Int {
        guard let row = try await first(connection, query) else { return 0 }
        return Int(try row[0].decode(Int64.self))
    }

    static func realm(from row: PostgresRandomAccessRow) throws -> Realm {
        Realm(
            id: RealmID(canonical: try row["id"].decode(String.self)), name: try row["name"].decode(String.self),
            description: try row["description"].decode(String.self),
            subdomain: try row["subdomain"].decode(String?.self),
            createdAtMilliseconds: try row["created_at"].decode(Int64.self),
            updatedAtMilliseconds: try row["updated_at"].decode(Int64.self))
    }

    static func currency(from row: PostgresRandomAccessRow) throws -> Currency {
        Currency(
            id: CurrencyID(canonical: try row["id"].decode(String.self)),
            realmID: RealmID(canonical: try row["realm_id"].decode(String.self)),
            name: try row["name"].decode(String.self), emoji: try row["emoji"].decode(String?.self),
            customEmojiURL: try row["custom_emoji_url"].decode(String?.self),
            metadata: StoredSchema.json(try row["metadata"].decode(String?.self)),
            isDefault: try row["is_default"].decode(Bool.self),
            archivedAtMilliseconds: try row["archived_at"].decode(Int64?.self),
            minimumBalance: try row["minimum_balance"].decode(Int64.self),
            maximumBalance: try row["maximum_balance"].decode(Int64?.self),
            isTransferable: try row["transferable"].decode(Bool.self),
            createdAtMilliseconds: try row["created_at"].decode(Int64.self),
            updatedAtMilliseconds: try row["updated_at"].decode(Int64.self))
    }

    static func member(from row: PostgresRandomAccessRow) throws -> Member {
        Member(
            id: MemberID(canonical: try row["id"].decode(String.self)),
            realmID: RealmID(canonical: try row["realm_id"].decode(String.self)),
            credentials: Credentials(
                username: try row["username"].decode(String?.self),
                discordId: try row["discord_id"].decode(String?.self),
                twitterId: try row["twitter_id"].decode(String?.self), wallet: try row["wallet"].decode(String?.self),
                email: try row["email"].decode(String?.self)),
            metadata: StoredSchema.json(try row["metadata"].decode(String?.self)),
            createdAtMilliseconds: try row["created_at"].decode(Int64.self),
            updatedAtMilliseconds: try row["updated_at"].decode(Int64.self))
    }

    static func journalEntry(from row: PostgresRandomAccessRow) throws -> JournalEntry {
        JournalEntry(
            id: JournalEntryID(canonical: try row["id"].decode(String.self)),
            sequence: try row["seq"].decode(Int64.self),
            realmID: RealmID(canonical: try row["realm_id"].decode(String.self)),
            memberID: MemberID(canonical: try row["member_id"].decode(String.self)),
            currencyID: CurrencyID(canonical: try row["currency_id"].decode(String.self)),
            amount: try row["amount"].decode(Int64.self), balanceBefore: try row["balance_before"].decode(Int64.self),
            balanceAfter: try row["balance_after"].decode(Int64.self),
            batchID: BatchID(canonical: try row["batch_id"].decode(String.self)),
            initiatorID: try row["initiator_id"].decode(String?.self),
            kind: EntryKind(rawValue: try row["kind"].decode(String.self)) ?? .batch,
            createdAtMilliseconds: try row["created_at"].decode(Int64.self))
    }

    static func key(from row: PostgresRandomAccessRow) throws -> APIKey {
        APIKey(
            id: KeyID(canonical: try row["id"].decode(String.self)),
            realmID: try row["realm_id"].decode(String?.self).map(RealmID.init(canonical:)),
            name: try row["name"].decode(String?.self),
            scopes: StoredSchema.scopes(text: try row["scopes"].decode(String.self)),
            secretHash: Array(try row["secret_hash"].decode(Data.self)),
            createdAtMilliseconds: try row["created_at"].decode(Int64.self),
            revokedAtMilliseconds: try row["revoked_at"].decode(Int64?.self))
    }
}

/// A postgres-nio row, read by column name.
struct PostgresStoredRow: StoredRow {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRandomAccessRow) { self.row = row }

    func text(_ column: String) throws -> String { try row[column].decode(String.self) }
    func optionalText(_ column: String) throws -> String? { try row[column].decode(String?.self) }
    func integer(_ column: String) throws -> Int64 { try row[column].decode(Int64.self) }
    func optionalInteger(_ column: String) throws -> Int64? { try row[column].decode(Int64?.self) }
    func boolean(_ column: String) throws -> Bool { try row[column].decode(Bool.self) }
    func bytes(_ column: String) throws -> [UInt8] { Array(try row[column].decode(Data.self)) }
}

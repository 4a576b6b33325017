import Foundation
import GRDB
import TallyCore

extension SQLiteLedgerStore {
    static func insertKey(_ key: APIKey, _ db: Database) throws {
        if let realmID = key.realmID { try requireRealm(db, realmID) }
        try db.execute(
            sql: """
                INSERT INTO api_keys (id, realm_id, name, scopes, secret_hash, created_at, revoked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                key.id.rawValue, key.realmID?.rawValue, key.name, StoredSchema.scopesText(key.scopes),
                Data(key.secretHash),
                key.createdAtMilliseconds, key.revokedAtMilliseconds,
            ])
    }

    public func key(_ id: KeyID) async throws -> APIKey? {
        try await read("key") { db in
            let statement = try db.cachedStatement(sql: "SELECT \(StoredSchema.keyColumns) FROM api_keys WHERE id = ?")
            return try Row.fetchOne(statement, arguments: [id.rawValue]).map(Self.key(from:))
        }
    }

    public func keys(in realmID: RealmID?) async throws -> [APIKey] {
        try await read("keys") { db in
            if let realmID {
                return try Row.fetchAll(
                    db,
                    sql: "SELECT \(StoredSchema.keyColumns) FROM api_keys WHERE realm_id = ? ORDER BY created_at, id",
                    arguments: [realmID.rawValue]
                ).map(Self.key(from:))
            }
            return try Row.fetchAll(db, sql: "SELECT \(StoredSchema.keyColumns) FROM api_keys ORDER BY created_at, id")
                .map(Self.key(from:))
        }
    }

    static func revokeKey(_ id: KeyID, _ db: Database, now: Int64) throws -> APIKey {
        try db.execute(
            sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            arguments: [now, id.rawValue])
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT \(StoredSchema.keyColumns) FROM api_keys WHERE id = ?", arguments: [id.rawValue])
        else { throw TallyError.notFound(id) }
        return key(from: row)
    }
}

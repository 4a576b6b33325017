import Foundation
import GRDB
import TallyCore

extension SQLiteLedgerStore {
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
            else { throw TallyError.notFound(id) }
            return Self.key(from: row)
        }
    }
}

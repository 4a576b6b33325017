import Foundation
import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    func insertKey(_ key: APIKey, _ connection: PostgresConnection) async throws {
        if let realmID = key.realmID { try await requireRealm(connection, realmID) }
        try await run(
            connection,
            """
            INSERT INTO api_keys (id, realm_id, name, scopes, secret_hash, created_at, revoked_at)
            VALUES (\(key.id.rawValue), \(key.realmID?.rawValue), \(key.name), \(StoredSchema.scopesText(key.scopes)),
                \(Data(key.secretHash)), \(key.createdAtMilliseconds), \(key.revokedAtMilliseconds))
            """)
    }

    public func key(_ id: KeyID) async throws -> APIKey? {
        try await transaction("key", .reading) { connection in
            try await first(
                connection, "SELECT \(unescaped: StoredSchema.keyColumns) FROM api_keys WHERE id = \(id.rawValue)"
            )
            .map(Self.key(from:))
        }
    }

    public func keys(in realmID: RealmID?) async throws -> [APIKey] {
        try await transaction("keys", .reading) { connection in
            if let realmID {
                return try await all(
                    connection,
                    """
                    SELECT \(unescaped: StoredSchema.keyColumns) FROM api_keys WHERE realm_id = \(realmID.rawValue)
                    ORDER BY created_at, id
                    """
                ).map(Self.key(from:))
            }
            return try await all(
                connection, "SELECT \(unescaped: StoredSchema.keyColumns) FROM api_keys ORDER BY created_at, id"
            )
            .map(Self.key(from:))
        }
    }

    func revokeKey(_ id: KeyID, _ connection: PostgresConnection, now: Int64) async throws -> APIKey {
        try await run(
            connection, "UPDATE api_keys SET revoked_at = \(now) WHERE id = \(id.rawValue) AND revoked_at IS NULL")
        guard
            let row = try await first(
                connection, "SELECT \(unescaped: StoredSchema.keyColumns) FROM api_keys WHERE id = \(id.rawValue)")
        else { throw TallyError.notFound(id) }
        return try Self.key(from: row)
    }
}

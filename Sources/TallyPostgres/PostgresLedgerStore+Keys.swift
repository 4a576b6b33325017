import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    func insertKey(_ key: APIKey, _ connection: PostgresConnection) async throws {
        if let realmID = key.realmID { try await requireRealm(connection, realmID) }
        try await run(connection, Self.statements.insert(key).query)
    }

    public func key(_ id: KeyID) async throws -> APIKey? {
        try await transaction("key", .reading) { connection in
            try await row(connection, Self.statements.key(id)).map(APIKey.init(stored:))
        }
    }

    public func keys(in realmID: RealmID?) async throws -> [APIKey] {
        try await transaction("keys", .reading) { connection in
            try await rows(connection, Self.statements.keys(in: realmID)).map(APIKey.init(stored:))
        }
    }

    func revokeKey(_ id: KeyID, _ connection: PostgresConnection, now: Int64) async throws -> APIKey {
        try await run(connection, Self.statements.revoke(id, now: now).query)
        guard let found = try await row(connection, Self.statements.key(id)) else { throw TallyError.notFound(id) }
        return try APIKey(stored: found)
    }
}

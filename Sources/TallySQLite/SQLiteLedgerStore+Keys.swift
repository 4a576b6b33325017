import GRDB
import TallyCore

extension SQLiteLedgerStore {
    static func insertKey(_ key: APIKey, _ db: Database) throws {
        if let realmID = key.realmID { try requireRealm(db, realmID) }
        try db.execute(statements.insert(key))
    }

    public func key(_ id: KeyID) async throws -> APIKey? {
        try await read("key") { db in try db.row(Self.statements.key(id), cached: true).map(APIKey.init(stored:)) }
    }

    public func keys(in realmID: RealmID?) async throws -> [APIKey] {
        try await read("keys") { db in try db.rows(Self.statements.keys(in: realmID)).map(APIKey.init(stored:)) }
    }

    static func revokeKey(_ id: KeyID, _ db: Database, now: Int64) throws -> APIKey {
        try db.execute(statements.revoke(id, now: now))
        guard let row = try db.row(statements.key(id)) else { throw TallyError.notFound(id) }
        return try APIKey(stored: row)
    }
}

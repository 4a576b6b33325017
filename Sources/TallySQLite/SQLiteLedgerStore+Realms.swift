import GRDB
import TallyCore

extension SQLiteLedgerStore {
    static func insertRealm(_ realm: Realm, _ db: Database) throws {
        do {
            try db.execute(statements.insert(realm))
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw TallyError.subdomainTaken(realm.subdomain)
        }
    }

    static func setPublicLeaderboard(_ on: Bool, realm id: RealmID, _ db: Database, now: Int64) throws -> Realm {
        try db.execute(statements.setPublicLeaderboard(on, realm: id, now: now))
        guard let row = try db.row(statements.realm(id)) else { throw TallyError.realmNotFound(id) }
        return try Realm(stored: row)
    }

    public func realm(_ id: RealmID) async throws -> Realm {
        try await read("realm") { db in
            guard let row = try db.row(Self.statements.realm(id)) else { throw TallyError.realmNotFound(id) }
            return try Realm(stored: row)
        }
    }

    public func realms() async throws -> [Realm] {
        try await read("realms") { db in try db.rows(Self.statements.realms()).map(Realm.init(stored:)) }
    }

    static func requireRealm(_ db: Database, _ id: RealmID) throws {
        let statement = try db.cachedStatement(sql: "SELECT 1 FROM realms WHERE id = ?")
        guard try Int.fetchOne(statement, arguments: [id.rawValue]) != nil else { throw TallyError.realmNotFound(id) }
    }
}

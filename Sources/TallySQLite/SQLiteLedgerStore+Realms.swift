import GRDB
import TallyCore

extension SQLiteLedgerStore {
    static func insertRealm(_ realm: Realm, _ db: Database) throws {
        do {
            try db.execute(
                sql:
                    "INSERT INTO realms (id, name, description, subdomain, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    realm.id.rawValue, realm.name, realm.description, realm.subdomain, realm.createdAtMilliseconds,
                    realm.updatedAtMilliseconds,
                ])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw TallyError.subdomainTaken(realm.subdomain)
        }
    }

    public func realm(_ id: RealmID) async throws -> Realm {
        try await read("realm") { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(StoredSchema.realmColumns) FROM realms WHERE id = ?", arguments: [id.rawValue])
            else { throw TallyError.realmNotFound(id) }
            return Self.realm(from: row)
        }
    }

    public func realms() async throws -> [Realm] {
        try await read("realms") { db in
            try Row.fetchAll(db, sql: "SELECT \(StoredSchema.realmColumns) FROM realms ORDER BY created_at, id")
                .map(Self.realm(from:))
        }
    }

    static func requireRealm(_ db: Database, _ id: RealmID) throws {
        let statement = try db.cachedStatement(sql: "SELECT 1 FROM realms WHERE id = ?")
        guard try Int.fetchOne(statement, arguments: [id.rawValue]) != nil else { throw TallyError.realmNotFound(id) }
    }
}

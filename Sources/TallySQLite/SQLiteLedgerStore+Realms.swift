import GRDB
import TallyCore

extension SQLiteLedgerStore {
    public func createRealm(_ draft: RealmDraft) async throws -> Realm {
        try draft.validate(limits: .standard)
        let now = nowMilliseconds
        let realm = Realm(
            id: ids.make(), name: draft.name, description: draft.description, subdomain: draft.subdomain,
            createdAtMilliseconds: now)
        try await write("createRealm") { db in
            do {
                try db.execute(
                    sql:
                        "INSERT INTO realms (id, name, description, subdomain, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [realm.id.rawValue, realm.name, realm.description, realm.subdomain, now, now])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw TallyError(.conflict, "The subdomain '\(draft.subdomain ?? "")' is taken.")
            }
        }
        return realm
    }

    public func realm(_ id: RealmID) async throws -> Realm? {
        try await read("realm") { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.realmColumns) FROM realms WHERE id = ?", arguments: [id.rawValue])
                .map(Self.realm(from:))
        }
    }

    public func realms() async throws -> [Realm] {
        try await read("realms") { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.realmColumns) FROM realms ORDER BY created_at, id")
                .map(Self.realm(from:))
        }
    }

    static func requireRealm(_ db: Database, _ id: RealmID) throws {
        let statement = try db.cachedStatement(sql: "SELECT 1 FROM realms WHERE id = ?")
        guard try Int.fetchOne(statement, arguments: [id.rawValue]) != nil else { throw TallyError.realmNotFound(id) }
    }
}

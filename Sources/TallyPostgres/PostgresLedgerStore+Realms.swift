import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    func insertRealm(_ realm: Realm, _ connection: PostgresConnection) async throws {
        do {
            try await run(connection, Self.statements.insert(realm).query)
        } catch  where Self.isUniqueViolation(error) {
            throw TallyError.subdomainTaken(realm.subdomain)
        }
    }

    func setPublicLeaderboard(_ on: Bool, realm id: RealmID, _ connection: PostgresConnection, now: Int64)
        async throws -> Realm
    {
        try await run(connection, Self.statements.setPublicLeaderboard(on, realm: id, now: now).query)
        guard let found = try await row(connection, Self.statements.realm(id)) else {
            throw TallyError.realmNotFound(id)
        }
        return try Realm(stored: found)
    }

    public func realm(_ id: RealmID) async throws -> Realm {
        try await transaction("realm", .reading) { connection in
            guard let found = try await row(connection, Self.statements.realm(id)) else {
                throw TallyError.realmNotFound(id)
            }
            return try Realm(stored: found)
        }
    }

    public func realms() async throws -> [Realm] {
        try await transaction("realms", .reading) { connection in
            try await rows(connection, Self.statements.realms()).map(Realm.init(stored:))
        }
    }

    func requireRealm(_ connection: PostgresConnection, _ id: RealmID) async throws {
        guard try await first(connection, "SELECT 1 FROM realms WHERE id = \(id.rawValue)") != nil else {
            throw TallyError.realmNotFound(id)
        }
    }

    /// Like `requireRealm`, and also holds the realm's row until commit so that writes which
    /// move its default currency run one at a time (they would otherwise race on the
    /// one-default index). NO KEY UPDATE does not block inserts that reference the realm.
    func lockRealm(_ connection: PostgresConnection, _ id: RealmID) async throws {
        guard try await first(connection, "SELECT 1 FROM realms WHERE id = \(id.rawValue) FOR NO KEY UPDATE") != nil
        else { throw TallyError.realmNotFound(id) }
    }
}

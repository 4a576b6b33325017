import TallyCore
import TallyPostgres
import TallyTestSupport

/// A realm made for a test on a database of a throwaway PostgreSQL server: a default currency,
/// `Points`, some members and a key, through a store the test keeps (it is stopped with the
/// test's service scope).
struct SeededRealm {
    let store: PostgresLedgerStore
    let realm: RealmID
    let members: [MemberID]
    /// The key's secret, for `Authorization: Bearer`.
    let key: String

    init(on server: PostgresServer, database name: String, named realmName: String, members count: Int) async throws {
        store = ServiceScope.startForTest(
            try PostgresLedgerStore(
                url: server.url(name), poolSize: 2, logger: PostgresServer.storeLogger,
                connectionWait: PostgresServer.connectionWait))
        realm = try await store.createRealm(name: realmName).id
        _ = try await store.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm)
        var members = [MemberID]()
        for index in 0..<count {
            members.append(try await store.createMember(Credentials(username: "m\(index)"), in: realm).id)
        }
        self.members = members
        key = try await store.issueKey(realm: realm, name: realmName, ids: IDGenerator()).secret.text
    }
}

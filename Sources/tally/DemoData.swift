import Foundation
import TallyCore
import TallyRepresentations

/// The data `tally serve --demo` creates and prints.
struct DemoData: Sendable {
    static let realmName = "Tally demo"

    let realm: Realm
    let currency: Currency
    let members: [Member]
    let key: IssuedKey

    /// On an empty database, creates the demo realm, a default currency and three members. On a
    /// database that already has the demo realm, reuses it. Either way mints a fresh key, since
    /// stored keys keep only a hash and an old secret cannot be shown again.
    static func prepare(_ store: any LedgerStore) async throws -> DemoData {
        let ids = IDGenerator()
        let existing = try await store.realms()
        let realm: Realm
        let currency: Currency
        if let found = existing.first(where: { $0.name == realmName }),
            let foundCurrency = try await store.currencies(in: found.id).first(where: \.isDefault)
        {
            realm = found
            currency = foundCurrency
        } else if existing.isEmpty {
            realm = try await store.createRealm(name: realmName)
            currency = try await store.createCurrency(
                CurrencyDraft(name: "Points", emoji: "⭐", isDefault: true), in: realm.id)
            for name in ["alice", "bob", "carol"] {
                _ = try await store.createMember(Credentials(username: name), in: realm.id)
            }
        } else {
            throw TallyError.validation(
                "--demo needs an empty database or one made by --demo; this one already holds other realms.")
        }
        let members = try await store.members(in: realm.id, limit: 3)
        let key = try await store.issueKey(realm: realm.id, name: "demo", ids: ids)
        return DemoData(realm: realm, currency: currency, members: members, key: key)
    }

    struct Printed: Encodable {
        let demo = true
        let realm: Representation.RealmBody
        let currency: Representation.CurrencyBody
        let members: [Representation.MemberBody]
        let key: Representation.KeyBody
        let curl: String
    }

    /// Prints the demo as JSON on stdout and a ready-to-paste curl line on stderr.
    func announce(baseURL: String) {
        let updates = members.prefix(2).enumerated().map { index, member in
            #"{"dripId":"\#(member.id)","amount":\#(index == 0 ? 100 : 50)}"#
        }.joined(separator: ",")
        let body = #"{"updates":[\#(updates)],"initiatorId":"demo"}"#
        let curl = """
            curl -sS -X PATCH \(baseURL)/api/v1/realms/\(realm.id)/members/transaction \
            -H 'Authorization: Bearer \(key.secret.text)' -H 'Content-Type: application/json' \
            -d '\(body)'
            """
        Output.json(
            Printed(
                realm: .init(realm), currency: .init(currency), members: members.map(Representation.MemberBody.init),
                key: .init(key.key, secret: key.secret.text), curl: curl))
        Output.message(
            """

            Tally demo realm \(realm.id) with currency \(currency.name) and members \(members.compactMap(\.credentials.username).joined(separator: ", ")).
            API key (shown once): \(key.secret.text)
            Try the batch endpoint:

            \(curl)

            """)
    }
}

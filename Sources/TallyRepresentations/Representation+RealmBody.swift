import TallyCore

extension Representation {
    /// A realm, in DRIP's `Realm` shape. Tally realms have no owning account, so `ownerId`
    /// repeats the realm's id.
    public struct RealmBody: Encodable, Sendable {
        public let id: String
        public let name: String
        public let ownerId: String
        public let description: String
        public let subdomain: String
        public let createdAt: String
        public let updatedAt: String

        /// The shape of `realm`.
        public init(_ realm: Realm) {
            id = realm.id.rawValue
            name = realm.name
            ownerId = realm.id.rawValue
            description = realm.description
            subdomain = realm.subdomain ?? ""
            createdAt = Timestamp.iso8601(milliseconds: realm.createdAtMilliseconds)
            updatedAt = Timestamp.iso8601(milliseconds: realm.updatedAtMilliseconds)
        }
    }
}

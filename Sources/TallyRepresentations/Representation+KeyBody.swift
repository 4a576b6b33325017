import TallyCore

extension Representation {
    /// An API key; `secret` is present only in the answer that created it.
    public struct KeyBody: Encodable, Sendable {
        public let id: String
        public let secret: String?
        public let realmId: String?
        public let admin: Bool
        public let name: String?
        public let scopes: [String]
        public let createdAt: String
        public let revokedAt: String?

        /// The shape of `key`, with `secret` only in the answer that issued it.
        public init(_ key: APIKey, secret: String? = nil) {
            id = key.id.rawValue
            self.secret = secret
            realmId = key.realmID?.rawValue
            admin = key.isAdmin
            name = key.name
            scopes = key.isAdmin ? ["admin"] : key.scopes.sorted().map(\.rawValue)
            createdAt = Timestamp.iso8601(milliseconds: key.createdAtMilliseconds)
            revokedAt = key.revokedAtMilliseconds.map(Timestamp.iso8601(milliseconds:))
        }
    }
}

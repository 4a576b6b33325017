import TallyCore

extension Representation {
    /// A member (its id is the dripId) with its credentials.
    public struct MemberBody: Encodable, Sendable {
        public let id: String
        public let realmId: String
        public let username: String?
        public let discordId: String?
        public let twitterId: String?
        public let wallet: String?
        public let email: String?
        /// The wallet's chain as given (nil when none was: see `Credentials.walletChain`).
        public let walletChain: String?
        public let walletName: String?
        public let joinedAt: String

        /// The shape of `member`.
        public init(_ member: Member) {
            self.init(member, joinedAt: Timestamp.iso8601(milliseconds: member.createdAtMilliseconds))
        }

        /// With the join time already formatted (a bulk writer formats each distinct time once).
        public init(_ member: Member, joinedAt: String) {
            id = member.id.rawValue
            realmId = member.realmID.rawValue
            username = member.credentials.username
            discordId = member.credentials.discordId
            twitterId = member.credentials.twitterId
            wallet = member.credentials.wallet
            email = member.credentials.email
            walletChain = member.credentials.walletChain
            walletName = member.credentials.walletName
            self.joinedAt = joinedAt
        }
    }
}

extension Representation.MemberBody {
    /// This member as one line of JSON with sorted keys (the same text `JSONEncoder` with
    /// `.sortedKeys` gives, nulls left out), ending in a newline.
    public func appendJSONLine(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        var first = true
        func field(_ key: StaticString, _ value: String?) {
            guard let value else { return }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
            JSONText.appendString(value, to: &out)
        }
        field("discordId", discordId)
        field("email", email)
        field("id", id)
        field("joinedAt", joinedAt)
        field("realmId", realmId)
        field("twitterId", twitterId)
        field("username", username)
        field("wallet", wallet)
        field("walletChain", walletChain)
        field("walletName", walletName)
        out.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
    }
}

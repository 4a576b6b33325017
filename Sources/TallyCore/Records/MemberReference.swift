/// How a request of the legacy v4 routes names a member: by its drip id, or by the Discord user
/// id (a snowflake) one of its credentials holds. DRIP's v4 bots send Discord ids, in paths and in
/// bodies, in bodies sometimes as JSON numbers.
public enum MemberReference: Sendable, Hashable, CustomStringConvertible {
    /// The member's own id.
    case dripID(MemberID)
    /// The member whose `discord-id` credential is this text of decimal digits.
    case discordID(String)

    /// Longest Discord user id: a snowflake is an unsigned 64-bit integer, at most 20 digits.
    public static let discordIDLengthMax = 20

    /// Parses `text`: 24 hex digits are a drip id, 1 to 20 decimal digits a Discord user id (the
    /// two cannot be confused: a snowflake is never 24 digits long); nil otherwise.
    public init?(_ text: some StringProtocol) {
        if let id = MemberID(text) {
            self = .dripID(id)
            return
        }
        let digits = text.utf8
        guard (1...Self.discordIDLengthMax).contains(digits.count), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        self = .discordID(String(text))
    }

    /// A Discord user id sent as a JSON number, read whole (never through a Double, which would
    /// round a snowflake above 2^53).
    public init(discordID: UInt64) { self = .discordID(String(discordID)) }

    /// The id as the request gave it (a drip id in lowercase).
    public var description: String {
        switch self {
        case .dripID(let id): id.rawValue
        case .discordID(let text): text
        }
    }

    /// The key that names it in a failure's details: `dripId` or `discordId`.
    public var detailKey: String {
        switch self {
        case .dripID: "dripId"
        case .discordID: "discordId"
        }
    }
}

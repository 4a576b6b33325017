/// How a request named a member it acts on, which decides how an unknown one is answered: the
/// one rule for it, applied by `TallyError.memberNotFound`.
///
/// DRIP's guides tell bots that 404 means "member not found", and bots branch on it. So a member
/// the request addresses (the member in a single-member route's path, such as
/// `members/{dripId}/balance`, or a party of a single update or a transfer, the recipient
/// included) is a missing target: 404 `MEMBER_NOT_FOUND`. A change of a batch that names an
/// unknown member is a refused change, 400 `MEMBER_NOT_FOUND`, as SPEC section 2 says: the batch
/// fails whole, naming the change.
public enum MemberNaming: Sendable, Equatable {
    /// The member the request is about: in the path of a single-member route, or a party of a
    /// single update or a transfer.
    case addressed
    /// One change among a batch's.
    case batchChange

    /// How the changes of a batch of `kind` name their members.
    public init(_ kind: EntryKind) {
        switch kind {
        case .batch, .imported: self = .batchChange
        case .single, .transfer, .link: self = .addressed
        }
    }
}

extension TallyError {
    /// `MEMBER_NOT_FOUND`: a missing target (404) when the request addressed the member, a refused
    /// change (400) when a change of a batch named it (`MemberNaming`).
    public static func memberNotFound(_ message: String, details: [String: DetailValue], naming: MemberNaming)
        -> TallyError
    {
        TallyError(.memberNotFound, message, details: details, isMissingTarget: naming == .addressed)
    }
}

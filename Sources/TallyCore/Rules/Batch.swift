/// What produced a journal entry.
public enum EntryKind: String, Sendable, CaseIterable {
    /// The batch endpoint.
    case batch
    /// A single balance update.
    case single
    /// One side of a transfer.
    case transfer
    /// One side of a ghost credential's balance moving to the member it is linked to.
    case link
    /// An opening balance brought in from elsewhere: `tally import` of an export without a
    /// journal, or a balance column of `tally member import`.
    case imported = "import"
}

/// An ordered list of changes applied all-or-nothing in one database transaction.
public struct Batch: Sendable, Equatable {
    /// The realm every change belongs to.
    public let realmID: RealmID
    /// The changes, in the order they apply.
    public let changes: [Change]
    /// Who asked for it (stored on every journal entry), at most `Limits.initiatorLengthMax` characters.
    public let initiatorID: String?
    /// What kind of request produced it.
    public let kind: EntryKind
    /// True when its changes may address the balance holders of ghost credentials (a change
    /// addressed by credential); a change addressed by member id never reaches one.
    public let reachesGhosts: Bool

    /// Validates the field rules of SPEC section 2 that need no storage: size and initiator length.
    public init(
        realmID: RealmID, changes: [Change], initiatorID: String? = nil, kind: EntryKind = .batch,
        reachesGhosts: Bool = false, limits: Limits = .standard
    ) throws(TallyError) {
        try Self.checkSize(changes.count, limits: limits)
        try Self.checkInitiator(initiatorID, limits: limits)
        self.realmID = realmID
        self.changes = changes
        self.initiatorID = initiatorID
        self.kind = kind
        self.reachesGhosts = reachesGhosts
    }

    /// Rejects an empty batch or one over `limits.batchSizeMax`, before any change is examined;
    /// `field` names the list in the error (`entries` on the legacy v4 route).
    public static func checkSize(_ count: Int, field: String = "updates", limits: Limits) throws(TallyError) {
        guard count > 0 else { throw .validation("\(field) must hold at least 1 change.") }
        guard count <= limits.batchSizeMax else {
            throw .validation("\(field) must hold at most \(limits.batchSizeMax) changes; got \(count).")
        }
    }

    /// Rejects an initiator text over `limits.initiatorLengthMax` characters; `field` names it in
    /// the error.
    public static func checkInitiator(_ text: String?, field: String = "initiatorId", limits: Limits)
        throws(TallyError)
    {
        guard let text, text.count > limits.initiatorLengthMax else { return }
        throw .validation("\(field) must be at most \(limits.initiatorLengthMax) characters.")
    }

    /// The distinct members the batch names, in first-seen order.
    public var memberIDs: [MemberID] { changes.map(\.memberID).uniqued() }
    /// The distinct currencies the batch names explicitly, in first-seen order.
    public var currencyIDs: [CurrencyID] { changes.compactMap(\.currencyID).uniqued() }
    /// True when some change relies on the realm's default currency.
    public var usesDefaultCurrency: Bool { changes.contains { $0.currencyID == nil } }
}

extension Array where Element: Hashable {
    /// The elements without repeats, first occurrence kept.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}

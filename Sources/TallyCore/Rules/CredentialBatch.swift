/// One change addressed to a credential rather than a member.
public struct CredentialChange: Sendable, Equatable {
    /// Who it names.
    public var identity: CredentialIdentity
    /// The signed delta.
    public var amount: Int64
    /// The currency; nil means the realm's default currency.
    public var currencyID: CurrencyID?

    /// A change.
    public init(identity: CredentialIdentity, amount: Int64, currencyID: CurrencyID? = nil) {
        self.identity = identity
        self.amount = amount
        self.currencyID = currencyID
    }
}

/// Changes addressed to credentials, applied all or nothing as one batch: each identity is
/// resolved to the balance it addresses (`CredentialPlanner.address`), and the batch of those
/// balances goes through the same planner, journal and idempotency as a member batch.
public struct CredentialBatch: Sendable, Equatable {
    /// The realm.
    public let realmID: RealmID
    /// The changes, in the order they apply.
    public let changes: [CredentialChange]
    /// Who asked for it (stored on every journal entry).
    public let initiatorID: String?
    /// `single` (credentials/balance), `batch` (credentials/transaction) or `transfer`.
    public let kind: EntryKind

    /// Validates the size and the initiator as a member batch does.
    public init(
        realmID: RealmID, changes: [CredentialChange], initiatorID: String? = nil, kind: EntryKind = .batch,
        limits: Limits = .standard
    ) throws(TallyError) {
        try Batch.checkSize(changes.count, limits: limits)
        try Batch.checkInitiator(initiatorID, limits: limits)
        self.realmID = realmID
        self.changes = changes
        self.initiatorID = initiatorID
        self.kind = kind
    }

    /// A transfer of `amount` (at least 1) from one credential to another: `-amount` from the
    /// sender, which must exist, then `+amount` to the recipient, created as a ghost if new.
    public static func transfer(
        realm: RealmID, from sender: CredentialIdentity, to recipient: CredentialIdentity, amount: Int64,
        currency: CurrencyID?, initiatorID: String? = nil, limits: Limits = .standard
    ) throws(TallyError) -> CredentialBatch {
        guard amount >= 1 else { throw .validation("amount must be at least 1.") }
        guard sender != recipient else {
            throw .validation("A credential cannot transfer to itself; the recipient must differ from the sender.")
        }
        return try CredentialBatch(
            realmID: realm,
            changes: [
                CredentialChange(identity: sender, amount: -amount, currencyID: currency),
                CredentialChange(identity: recipient, amount: amount, currencyID: currency),
            ],
            initiatorID: initiatorID, kind: .transfer, limits: limits)
    }

    /// The distinct identities, in first-seen order.
    public var identities: [CredentialIdentity] { changes.map(\.identity).uniqued() }

    /// The identities that must already exist: a transfer's sender (there are no points to send
    /// from a credential nobody created).
    public var mustExist: Set<CredentialIdentity> {
        kind == .transfer ? [changes[0].identity] : []
    }
}

/// What a credential batch did: the member batch it became, and the credential each change
/// addressed (its link state as of the write).
public struct CredentialReceipt: Sendable, Equatable {
    /// The receipt of the batch of balances.
    public let receipt: BatchReceipt
    /// One credential per change, in request order.
    public let credentials: [GhostCredential]

    /// A receipt.
    public init(receipt: BatchReceipt, credentials: [GhostCredential]) {
        self.receipt = receipt
        self.credentials = credentials
    }
}

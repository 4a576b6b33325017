/// The writes of ghost credentials (DRIP's Credentials and Credentials-Balances routes). Each runs
/// through `LedgerWriter.perform` like every write: one transaction, with its idempotency record;
/// a store reads `StoredStatements.reads(for:)`, and `CredentialPlanner` decides the rest.
public enum CredentialWrite: Sendable {
    /// Creates a credential (linked at once when `accountID` is set or a member holds the identity).
    case create(CredentialDraft, realm: RealmID)
    /// Changes balances addressed by credential.
    case change(CredentialBatch)
    /// Links a ghost to a member: its balances move to the member, journaled, and later changes
    /// addressed to it go to the member.
    case link(CredentialIdentity, to: MemberID, realm: RealmID, initiatorID: String?)
    /// Deletes a credential that holds no balance.
    case delete(CredentialIdentity, realm: RealmID)
    /// Replaces a credential's metadata.
    case setMetadata(JSONValue, of: CredentialIdentity, realm: RealmID)

    /// The realm it writes in.
    public var realmID: RealmID {
        switch self {
        case .create(_, let realm), .link(_, _, let realm, _), .delete(_, let realm), .setMetadata(_, _, let realm):
            realm
        case .change(let batch): batch.realmID
        }
    }

    /// The identities it names, in first-seen order.
    public var identities: [CredentialIdentity] {
        switch self {
        case .create(let draft, _): [draft.identity]
        case .change(let batch): batch.identities
        case .link(let identity, _, _, _), .delete(let identity, _), .setMetadata(_, let identity, _): [identity]
        }
    }

    /// True when a new credential may be made, so the members holding its identities are read.
    var readsOwners: Bool {
        switch self {
        case .create, .change: true
        case .link, .delete, .setMetadata: false
        }
    }

    /// The member it names, whose existence is read.
    var namedAccount: MemberID? {
        switch self {
        case .create(let draft, _): draft.accountID
        case .link(_, let member, _, _): member
        case .change, .delete, .setMetadata: nil
        }
    }

    /// True when the named credential's balances are read (to move them, or to refuse deleting).
    var readsHolderBalances: Bool {
        switch self {
        case .link, .delete: true
        case .create, .change, .setMetadata: false
        }
    }
}

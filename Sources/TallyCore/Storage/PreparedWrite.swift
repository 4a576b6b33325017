/// A `LedgerWrite` with everything that needs no database already decided: validation done, ids
/// and timestamps made, so a store's transaction holds its locks for as short a time as possible.
/// Every store prepares writes here, so they validate and name new records alike.
public enum PreparedWrite: Sendable {
    case apply(Batch, batchID: BatchID, entryIDs: [JournalEntryID])
    case createRealm(Realm)
    case setPublicLeaderboard(Bool, RealmID)
    case createCurrency(Currency)
    case editCurrency(CurrencyID, RealmID, CurrencyEdit)
    case createMember(Member)
    case setMemberMetadata(JSONValue, MemberID, RealmID)
    case createKey(APIKey)
    case revokeKey(KeyID)
    /// Its ids are made inside the transaction, with `ids`: how many it needs depends on what
    /// exists.
    case credential(CredentialWrite, ids: IDGenerator)

    /// Validates `write` and makes the ids and timestamps it needs.
    public init(_ write: LedgerWrite, ids: IDGenerator, now: Int64) throws(TallyError) {
        switch write {
        case .apply(let batch):
            self = .apply(batch, batchID: ids.make(), entryIDs: batch.changes.map { _ in ids.make() })
        case .createRealm(let draft):
            try draft.validate(limits: .standard)
            self = .createRealm(
                Realm(
                    id: ids.make(), name: draft.name, description: draft.description, subdomain: draft.subdomain,
                    createdAtMilliseconds: now))
        case .setPublicLeaderboard(let on, let realm):
            self = .setPublicLeaderboard(on, realm)
        case .createCurrency(let draft, let realm):
            try draft.validate(limits: .standard)
            self = .createCurrency(
                Currency(
                    id: ids.make(), realmID: realm, name: draft.name, emoji: draft.emoji,
                    customEmojiURL: draft.customEmojiURL, metadata: draft.metadata, isDefault: draft.isDefault,
                    minimumBalance: draft.minimumBalance, maximumBalance: draft.maximumBalance,
                    isTransferable: draft.isTransferable, createdAtMilliseconds: now))
        case .updateCurrency(let id, let realm, let patch):
            self = .editCurrency(id, realm, .patch(patch))
        case .setCurrencyArchived(let id, let realm, let archived):
            self = .editCurrency(id, realm, .archive(archived))
        case .createMember(let credentials, let metadata, let realm):
            if let metadata { _ = try metadata.validatedMetadata(limits: .standard) }
            self = .createMember(
                .joining(
                    realm, credentials: try credentials.validated(limits: .standard), metadata: metadata, ids: ids,
                    now: now))
        case .setMemberMetadata(let metadata, let member, let realm):
            self = .setMemberMetadata(try metadata.validatedMetadata(limits: .standard), member, realm)
        case .createKey(let key):
            if let name = key.name { try Validation.name(name, field: "name", limits: .standard) }
            self = .createKey(key)
        case .revokeKey(let id):
            self = .revokeKey(id)
        case .credential(let write):
            if case .setMetadata(let metadata, _, _) = write { _ = try metadata.validatedMetadata(limits: .standard) }
            self = .credential(write, ids: ids)
        }
    }
}

extension PreparedWrite {
    /// How many balance changes the write makes; other writes count as one.
    public var changeCount: Int {
        switch self {
        case .apply(let batch, _, _): max(batch.changes.count, 1)
        case .credential(.change(let batch), _): batch.changes.count
        default: 1
        }
    }
}

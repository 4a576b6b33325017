/// What `tally export` asks a store for.
public struct ExportSelection: Sendable, Equatable {
    /// One realm, or every realm.
    public var realm: RealmID?
    /// Whether to include every journal entry.
    public var journal: Bool
    /// Whether to include API keys (only their secrets' hashes are stored). Admin keys, which
    /// belong to no realm, come only when every realm is exported.
    public var keys: Bool

    public init(realm: RealmID? = nil, journal: Bool = false, keys: Bool = false) {
        self.realm = realm
        self.journal = journal
        self.keys = keys
    }
}

/// One stored record, as an export reads it.
public enum StoredRecord: Sendable, Equatable {
    case realm(Realm)
    case currency(Currency)
    /// A member (never a ghost credential's balance holder: those come as their credential).
    case member(Member)
    /// A ghost credential; its balance holder is implied (`GhostCredential.holderID`).
    case credential(GhostCredential)
    /// The balance holder of a deleted ghost credential, which still has entries and balances.
    case holder(BalanceHolder)
    case entry(JournalEntry)
    case balance(StoredBalance)
    case key(APIKey)
}

/// The export side of the storage contract: reads every record of the selection from one
/// consistent snapshot while writers go on, in a fixed order that does not depend on the
/// store, so two stores holding the same ledger export the same records:
///
/// - realms by id, and for each realm: its currencies by id, its members by id (balance holders
///   excluded), its ghost credentials by id, the balance holders of its deleted ghost
///   credentials by id, its journal entries (when selected) in commit
///   order, its balances by member id then currency id, its keys (when selected) by id;
/// - then, when every realm is selected and keys are, the admin keys by id.
///
/// Memory stays bounded whatever the size: records are read a page at a time and handed to
/// `record` one by one. An error `record` throws stops the export and is rethrown; a storage
/// failure is `UNAVAILABLE`; an unknown selected realm is `Not Found`.
public protocol LedgerExporter: Sendable {
    func export(_ selection: ExportSelection, into record: @escaping @Sendable (StoredRecord) throws -> Void)
        async throws

    /// About how many records `export` would read of `selection` now, for an estimate of its
    /// progress: counted apart from the export's snapshot, so writes in between make it differ.
    /// A selected realm that does not exist counts nothing. A storage failure is `UNAVAILABLE`.
    func exportRecordCount(_ selection: ExportSelection) async throws -> Int
}

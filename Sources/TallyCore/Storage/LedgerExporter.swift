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

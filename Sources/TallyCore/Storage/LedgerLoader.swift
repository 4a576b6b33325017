/// Where a load pulls its chunks from: a file being read. One load calls `next` from one task
/// at a time, until it returns nil (the end) or throws (the load is then undone).
public protocol LoadSource: AnyObject, Sendable {
    func next() throws -> LoadChunk?
}

/// The load side of the storage contract (`tally import`, `tally member import`): writes every
/// chunk a source yields in one transaction, so that a file goes in whole or not at all.
/// Memory stays bounded by one chunk: each is written before the next is pulled.
///
/// The load writes records as given; the source has checked them (`ImportChecker`), and the
/// schema's constraints still hold. A record that clashes with one stored (a realm or
/// currency id taken, a subdomain taken, a credential held by another member) throws
/// `CONFLICT`, and a record naming something absent (a member, a currency) throws
/// `VALIDATION_ERROR`; both name the record's line. A storage failure is `UNAVAILABLE`.
/// Nothing of a failed load stays.
public protocol LedgerLoader: Sendable {
    func load(_ source: any LoadSource) async throws -> LoadSummary
}

/// The audit side of the storage contract: checks the stored ledger against its invariants.
public protocol LedgerAuditor: Sendable {
    /// Checks every invariant of SPEC section 5 over the whole database, reading one consistent
    /// snapshot while writers go on. `progress` receives the number of journal entries checked
    /// so far. Violations are reported, not thrown; a storage failure is `UNAVAILABLE`.
    func verify(progress: @escaping @Sendable (Int) -> Void) async throws -> VerifyReport

    /// How many journal entries the database holds now, for a progress estimate (a count, not
    /// read in `verify`'s snapshot). A storage failure is `UNAVAILABLE`.
    func journalEntryCount() async throws -> Int
}

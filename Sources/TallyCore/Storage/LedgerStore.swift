/// The storage contract: one backend (SQLite, PostgreSQL) in every role, passing the same
/// conformance suite (`TallyStoreConformance`). Code that needs only one role can ask for just
/// that one (`LedgerWriter`, `LedgerReadModel`, `KeyStore`, `LedgerAuditor`).
///
/// Error contract, for every role: operating errors are thrown as `TallyError` with a stable
/// code; a storage failure (disk full, database locked too long, connection lost) is thrown as
/// `TallyError.unavailable`, with the cause logged and never shown to clients.
public protocol LedgerStore: LedgerWriter, LedgerReadModel, KeyStore, LedgerAuditor {
    /// Brings the schema up to date, in one transaction per migration. Safe to call on every
    /// start; throws `UNAVAILABLE` when the database cannot be reached or migrated.
    func migrate() async throws
}

/// The storage contract: one backend (SQLite, PostgreSQL) in every role, passing the same
/// conformance suite (`TallyStoreConformance`). Code that needs only one role can ask for just
/// that one (`LedgerWriter`, `LedgerReadModel`, `KeyStore`, `LedgerAuditor`, `LedgerExporter`, `WebhookStore`).
///
/// Error contract, for every role: operating errors are thrown as `TallyError` with a stable
/// code; a storage failure (disk full, database locked too long, connection lost) is thrown as
/// `TallyError.unavailable`, with the cause logged and never shown to clients.
public protocol LedgerStore: LedgerWriter, LedgerReadModel, KeyStore, LedgerAuditor, LedgerExporter, LedgerLoader,
    WebhookStore
{
    /// Brings the schema up to date, in one transaction per migration. Safe to call on every
    /// start; throws `UNAVAILABLE` when the database cannot be reached or migrated.
    func migrate() async throws

    /// Throws unless the store can serve now: it answers a real query within `deadline` and can
    /// write (SQLite: a read on a reader connection, and the database files are writable;
    /// PostgreSQL: the schema is in place and `SELECT 1` runs on a pooled connection). A store
    /// that does not answer within `deadline` is not ready: the check returns then, whatever the
    /// database does. The error is `UNAVAILABLE` with a sentence that says why and shows no
    /// driver text, path or password (the cause goes to the log); the check writes nothing.
    func checkReadiness(deadline: Duration) async throws
}

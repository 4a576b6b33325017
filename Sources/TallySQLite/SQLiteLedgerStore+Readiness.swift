import Foundation
import GRDB
import TallyCore

extension SQLiteLedgerStore {
    /// Ready when the writer runs and is not shutting down, a reader answers a real query, and
    /// the database file, the balance file and their `-wal` and `-shm` files may be written by
    /// this process, all within `deadline`.
    ///
    /// Writability is asked of the kernel (`faccessat` with the effective ids) rather than tried
    /// with a write: a write would cost an fsync on every probe, and opening and closing a second
    /// descriptor on the file would drop SQLite's locks on it. The kernel's answer covers a
    /// file made read-only (for a process that is not root), an immutable file (`chattr +i`, for
    /// root too) and a file system remounted read-only, each of which fails the next commit or
    /// checkpoint. (For root, plain permission bits are no obstacle, to the check or to SQLite.)
    public func checkReadiness(deadline: Duration) async throws {
        guard isRunning else { throw TallyError(.unavailable, "The database writer is not running.") }
        guard !committer.isFinishing else { throw TallyError(.unavailable, "Tally is shutting down.") }
        let path = pool.path
        try await withDeadline(deadline, subject: "The database") {
            do {
                _ = try await self.pool.read { db in
                    try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM realms)")
                }
            } catch {
                self.logger.warning("not ready: a read failed", metadata: ["error": "\(error)"])
                throw TallyError(.unavailable, "The database cannot be read.")
            }
            let balances = BalanceFile.path(for: path)
            let files = [path, balances].flatMap { [$0, $0 + "-wal", $0 + "-shm"] }
            for file in files where FileManager.default.fileExists(atPath: file) {
                if faccessat(AT_FDCWD, file, W_OK, AT_EACCESS) != 0 {
                    let reason = String(cString: strerror(errno))
                    self.logger.warning(
                        "not ready: a database file cannot be written",
                        metadata: [
                            "path": "\(file)", "error": "\(reason)",
                        ])
                    throw TallyError(.unavailable, "The database files cannot be written.")
                }
            }
        }
    }
}

import Foundation
import GRDB
import Synchronization
import TallyCore

/// A verified, standalone copy of a Tally SQLite database, taken while a server may be writing to
/// it (`tally backup`).
///
/// One read transaction on the source copies the snapshot it sees, page by page, through SQLite's
/// online backup API. In WAL mode a reader never blocks the writer and the writer never disturbs
/// the reader, so the server keeps committing meanwhile; the copy holds exactly the transactions
/// committed before the snapshot began and none after (the log grows until the read ends, then
/// the server's checkpoints catch up). The copy goes to a temporary file beside the target,
/// `.NAME.partial-RANDOM`, with the source file's permission bits. There it is switched to a
/// rollback journal (`journal_mode=DELETE`: one file, no `-wal` needed to read it), checked with
/// `PRAGMA integrity_check` and with `tally verify`'s audit, fsynced, moved to the target name
/// and the directory fsynced. Nothing exists under the target name before that move, so a
/// failed, cancelled or killed backup never leaves a file there; a failure or `cancel()` also
/// removes the temporary file (only SIGKILL or a power cut can leave it behind).
///
/// The source is only read (`query_only`), never migrated: its schema must be the one this build
/// knows, since the audit reads it.
public final class SQLiteBackup: Sendable {
    /// What a finished backup holds.
    public struct Summary: Sendable, Equatable {
        /// The backup file (absolute).
        public let path: String
        /// Its size.
        public let bytes: Int64
        /// The highest journal sequence number in the copy (0 for an empty journal): where the
        /// copy stands in the commit order.
        public let journalSequence: Int64
        /// Journal entries in the copy.
        public let entries: Int
        /// Balance rows in the copy.
        public let balances: Int
        /// Realms in the copy.
        public let realms: Int
        /// Members in the copy (balance holders of ghost credentials are not members).
        public let members: Int
    }

    /// Where a running backup is, for a progress line.
    public enum Progress: Sendable, Equatable {
        /// The snapshot's pages copied so far, in bytes.
        case copying(bytes: Int, of: Int)
        /// `PRAGMA integrity_check` runs on the copy (it reports no progress of its own).
        case checkingIntegrity
        /// The audit of the copy's journal, in entries.
        case verifying(entries: Int, of: Int)
    }

    /// Thrown by `run` when `cancel()` stopped it; the temporary file is gone.
    public struct Cancelled: Error, Sendable {}

    /// The database copied.
    public let sourcePath: String
    /// Where the copy ends up (absolute).
    public let targetPath: String
    /// Where the copy is written and checked before it is moved to `targetPath`.
    public let temporaryPath: String
    /// Whether an existing file at `targetPath` may be replaced.
    public let replacing: Bool

    /// Pages copied per step of the backup API: a step is the unit of progress and cancellation.
    static let pagesPerStep: Int32 = 1_024

    private enum Phase: Sendable {
        case ready, running, cancelled, placed
    }

    private struct State: Sendable {
        var phase = Phase.ready
        /// True once this backup has created its temporary file (only then may it remove it).
        var created = false
        /// The open connections, so that `cancel()` can interrupt what they run.
        var connections: [DatabaseQueue] = []
    }

    private let state = Mutex(State())

    /// A backup of the database at `source` to `target` (relative paths are taken from the working
    /// directory). Nothing is touched until `run`.
    public init(source: String, target: String, replacing: Bool) {
        self.sourcePath = source
        let target = URL(fileURLWithPath: target).standardizedFileURL
        self.targetPath = target.path
        let random = String(UInt64.random(in: 1 << 44..<1 << 48), radix: 16)
        self.temporaryPath =
            target.deletingLastPathComponent().appendingPathComponent(
                ".\(target.lastPathComponent).partial-\(random)"
            ).path
        self.replacing = replacing
    }

    /// Stops a running backup: removes its temporary file at once (so that nothing is left even
    /// if the process dies next) and interrupts what its connections run; `run` then throws
    /// `Cancelled`. Once the copy has been moved into place it is too late, and nothing happens.
    /// Safe from any thread (a signal handler's queue).
    public func cancel() {
        let connections = state.withLock { state -> [DatabaseQueue] in
            guard state.phase != .placed else { return [] }
            state.phase = .cancelled
            // Unlinking a file SQLite holds open is harmless: its writes go to a nameless file.
            if state.created { removeTemporaryFiles() }
            return state.connections
        }
        for connection in connections { connection.interrupt() }
    }

    /// Copies, checks and places the backup; blocks until done. `progress` is called from this
    /// thread. Throws `TallyError` (`VALIDATION_ERROR` when the request itself is refused,
    /// `UNAVAILABLE` when the copy failed) or `Cancelled`, having removed the temporary file.
    public func run(progress: @escaping @Sendable (Progress) -> Void) throws -> Summary {
        try state.withLock { state in
            guard state.phase == .ready else {
                if state.phase == .cancelled { throw Cancelled() }
                preconditionFailure("a backup runs once")
            }
            state.phase = .running
        }
        try checkTarget()
        do {
            return try copyCheckAndPlace(progress)
        } catch {
            let connections = state.withLock { state in
                defer { state.connections = [] }
                return state.connections
            }
            // Closed first, so that SQLite makes no file beside the temporary one after it is gone.
            for connection in connections { try? connection.close() }
            let (phase, created) = state.withLock { ($0.phase, $0.created) }
            if phase != .placed && created { removeTemporaryFiles() }
            if phase == .cancelled { throw Cancelled() }
            throw error
        }
    }

    // MARK: Steps

    /// Refuses, before anything is written, a target that exists (unless `replacing`), that is
    /// the database itself, or beside which lies a `-wal` or `-journal` file that SQLite would
    /// read together with the new copy.
    private func checkTarget() throws {
        let source = URL(fileURLWithPath: sourcePath).standardizedFileURL.path
        for suffix in ["", "-wal", "-shm", "-journal"] where targetPath == source + suffix {
            throw TallyError.validation("--to names the database itself (or one of its files); choose another file.")
        }
        for suffix in ["-wal", "-journal"] where FileManager.default.fileExists(atPath: targetPath + suffix) {
            throw TallyError.validation(
                "\(targetPath)\(suffix) exists: a database at that name is open or was not closed cleanly, and "
                    + "SQLite would read it together with the new copy. Remove it, or choose another file.")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: targetPath, isDirectory: &isDirectory) else { return }
        if isDirectory.boolValue { throw TallyError.validation("\(targetPath) is a directory; --to names a file.") }
        if let target = Self.identity(targetPath), target == Self.identity(sourcePath) {
            throw TallyError.validation("--to names the database itself; choose another file.")
        }
        guard replacing else {
            throw TallyError.validation("\(targetPath) exists; pass --force to replace it.")
        }
    }

    private func copyCheckAndPlace(_ progress: @escaping @Sendable (Progress) -> Void) throws -> Summary {
        guard FileManager.default.fileExists(atPath: sourcePath) else {
            throw TallyError.validation("There is no database at \(sourcePath).")
        }
        try createTemporaryFile()

        // Read-write, though it only reads (`query_only`): a read-only connection cannot remove
        // the -wal and -shm files it opens, so it would leave them behind when no server runs.
        var sourceConfiguration = Configuration()
        sourceConfiguration.busyMode = .timeout(10)
        sourceConfiguration.prepareDatabase { db in try db.execute(sql: "PRAGMA query_only = ON") }
        sourceConfiguration.label = "tally.backup.source"
        let source = try openConnection(sourcePath, sourceConfiguration)
        var copyConfiguration = Configuration()
        copyConfiguration.label = "tally.backup.copy"
        let copy = try openConnection(temporaryPath, copyConfiguration)

        // The balance file first (docs/decisions/0009), so that the database's snapshot, taken
        // after, holds every entry the file covers; the copy of the file only serves to check
        // the copy below and is then removed: a backup is one file, and opening it brings a new
        // balance file up to its journal.
        let sourceBalances = BalanceFile.path(for: sourcePath)
        let copyBalances = BalanceFile.path(for: temporaryPath)
        if FileManager.default.fileExists(atPath: sourceBalances) {
            let balances = try openConnection(sourceBalances, sourceConfiguration)
            let balancesCopy = try openConnection(copyBalances, copyConfiguration)
            try failing("copy the balance file") {
                try balances.writeWithoutTransaction { db in
                    try db.inTransaction(.deferred) {
                        _ = try Row.fetchOne(db, sql: "SELECT * FROM ledger_checkpoint")
                        try balancesCopy.writeWithoutTransaction { copyDB in
                            try db.backup(to: copyDB, pagesPerStep: Self.pagesPerStep) { _ in try self.checkCancelled()
                            }
                        }
                        return .commit
                    }
                }
            }
            try closeConnection(balances)
            try closeConnection(balancesCopy)
        }

        try failing("copy the database") {
            try copy.writeWithoutTransaction { db in
                // The copy is fsynced once, whole, before it is moved into place.
                try db.execute(sql: "PRAGMA synchronous = OFF")
            }
            try source.writeWithoutTransaction { db in
                try db.inTransaction(.deferred) {
                    // The first read starts the snapshot; the backup API then reads within it,
                    // step after step, so the copy is that one snapshot and is never restarted
                    // by the server's commits.
                    try self.checkSchema(db)
                    let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4_096
                    let pageCount = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                    progress(.copying(bytes: 0, of: pageCount * pageSize))
                    try copy.writeWithoutTransaction { copyDB in
                        try db.backup(to: copyDB, pagesPerStep: Self.pagesPerStep) { step in
                            try self.checkCancelled()
                            progress(
                                .copying(
                                    bytes: step.completedPageCount * pageSize, of: step.totalPageCount * pageSize))
                        }
                    }
                    return .commit
                }
            }
        }
        try closeConnection(source)

        let (report, counts) = try failing("check the copy") {
            try copy.writeWithoutTransaction { db in
                // The backup copied the source's header, which names WAL mode; a rollback
                // journal makes the copy a single file that needs no -wal to be read.
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
                guard mode?.lowercased() == "delete" else {
                    throw TallyError(
                        .unavailable, "The copy could not be switched to journal_mode=DELETE (\(mode ?? "?")).")
                }
            }
            try checkCancelled()
            // The copy of the balance file is brought up to the copy's journal, then read beside it.
            let balances = try BalanceFile.open(copyBalances, journal: temporaryPath)
            state.withLock { $0.connections.append(balances) }
            try balances.write { ledger in
                _ = try BalanceFile.reconcile(ledger)
                while try BalanceFile.follow(ledger, limit: 50_000).applied > 0 { try self.checkCancelled() }
            }
            _ = try balances.writeWithoutTransaction { db in
                try String.fetchOne(db, sql: "PRAGMA main.journal_mode = DELETE")
            }
            try closeConnection(balances)
            try copy.writeWithoutTransaction { db in try BalanceFile.attach(db, path: copyBalances) }
            return try copy.read { db in
                progress(.checkingIntegrity)
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                guard integrity == ["ok"] else {
                    throw TallyError(
                        .unavailable,
                        "The copy fails PRAGMA integrity_check: \(integrity.prefix(5).joined(separator: "; ")).")
                }
                try self.checkCancelled()
                let entries = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM journal") ?? 0
                progress(.verifying(entries: 0, of: entries))
                let report = try SQLiteLedgerStore.verify(db) { done in
                    progress(.verifying(entries: done, of: entries))
                }
                let counts = (
                    journalSequence: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM journal") ?? 0,
                    realms: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM realms") ?? 0,
                    members: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM members WHERE ghost = 0") ?? 0
                )
                return (report, counts)
            }
        }
        try copy.writeWithoutTransaction { db in try db.execute(sql: "DETACH DATABASE \(BalanceFile.schema)") }
        try closeConnection(copy)
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(copyBalances + suffix) }
        guard report.isClean else {
            let first =
                report.violations.first.map { " (\($0.kind.rawValue): \($0.message.trimmingCharacters(in: ["."])))" }
                ?? ""
            throw TallyError(
                .unavailable,
                "The copy fails tally verify with \(report.violations.count) violation(s)\(first). "
                    + "Run tally verify on the database itself; no backup was written.")
        }
        try checkCancelled()

        let bytes = try syncFile(temporaryPath)
        try place()
        try syncFile(URL(fileURLWithPath: targetPath).deletingLastPathComponent().path, directory: true)
        return Summary(
            path: targetPath, bytes: bytes, journalSequence: counts.journalSequence, entries: report.entriesChecked,
            balances: report.balancesChecked, realms: counts.realms, members: counts.members)
    }

    /// Requires the schema this build knows: the audit and the counts read it.
    private func checkSchema(_ db: Database) throws {
        let migrator = SQLiteMigrations.migrator()
        guard try db.tableExists("grdb_migrations") else {
            throw TallyError.validation("\(sourcePath) is not a Tally database.")
        }
        guard try migrator.hasCompletedMigrations(db), try !migrator.hasBeenSuperseded(db) else {
            throw TallyError.validation(
                "The schema of \(sourcePath) (migrations \(try migrator.appliedIdentifiers(db).sorted().joined(separator: ", "))) "
                    + "is not the one this tally knows (\(migrator.migrations.joined(separator: ", "))): "
                    + "back it up with the tally that serves it.")
        }
    }

    /// Creates the empty temporary file, refusing to reuse one, with the source's permission bits.
    private func createTemporaryFile() throws {
        var status = stat()
        let mode = stat(sourcePath, &status) == 0 ? mode_t(status.st_mode) & 0o666 : 0o600
        let descriptor = open(temporaryPath, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Self.systemError("create \(temporaryPath)") }
        state.withLock { $0.created = true }
        // Permission bits as the source's, whatever the umask.
        _ = fchmod(descriptor, mode)
        close(descriptor)
    }

    /// Moves the checked copy to the target name, unless `cancel()` came first. Without
    /// `replacing`, a hard link refuses to replace a file that appeared meanwhile.
    private func place() throws {
        try state.withLock { state in
            guard state.phase == .running else { throw Cancelled() }
            if !replacing {
                if link(temporaryPath, targetPath) == 0 {
                    unlink(temporaryPath)
                    state.phase = .placed
                    return
                }
                let code = errno
                if code == EEXIST {
                    throw TallyError.validation("\(targetPath) appeared during the backup; pass --force to replace it.")
                }
                // A file system without hard links: check, then rename.
                guard [EPERM, ENOTSUP, EOPNOTSUPP, EMLINK, EXDEV].contains(code) else {
                    throw Self.systemError("link \(temporaryPath) to \(targetPath)", code)
                }
                if FileManager.default.fileExists(atPath: targetPath) {
                    throw TallyError.validation("\(targetPath) appeared during the backup; pass --force to replace it.")
                }
            }
            guard rename(temporaryPath, targetPath) == 0 else {
                throw Self.systemError("rename \(temporaryPath) to \(targetPath)")
            }
            state.phase = .placed
        }
    }

    private func checkCancelled() throws {
        if state.withLock({ $0.phase == .cancelled }) { throw Cancelled() }
    }

    private func openConnection(_ path: String, _ configuration: Configuration) throws -> DatabaseQueue {
        let connection = try failing("open \(path)") { try DatabaseQueue(path: path, configuration: configuration) }
        try state.withLock { state in
            state.connections.append(connection)
            if state.phase == .cancelled { throw Cancelled() }
        }
        return connection
    }

    private func closeConnection(_ connection: DatabaseQueue) throws {
        state.withLock { state in state.connections.removeAll { $0 === connection } }
        try failing("close a database") { try connection.close() }
    }

    /// The temporary file and the files SQLite may have made beside it.
    private func removeTemporaryFiles() {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            unlink(temporaryPath + suffix)
            unlink(BalanceFile.path(for: temporaryPath) + suffix)
        }
    }

    /// Runs `body`, turning a driver's error into a sentence saying what failed.
    private func failing<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            if error.resultCode == .SQLITE_INTERRUPT { throw Cancelled() }
            throw TallyError(.unavailable, "Cannot \(what): \(error.message ?? "\(error.resultCode)").")
        }
    }

    /// Flushes the file (or directory) at `path` to disk; returns its size.
    @discardableResult
    private func syncFile(_ path: String, directory: Bool = false) throws -> Int64 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0))
        guard descriptor >= 0 else { throw Self.systemError("open \(path)") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Self.systemError("fsync \(path)") }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Self.systemError("stat \(path)") }
        return Int64(status.st_size)
    }

    /// The device and inode of the file at `path`, if there is one.
    private static func identity(_ path: String) -> [UInt64]? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return [UInt64(status.st_dev), UInt64(status.st_ino)]
    }

    private static func systemError(_ what: String, _ code: Int32 = errno) -> TallyError {
        TallyError(.unavailable, "Cannot \(what): \(String(cString: strerror(code))).")
    }
}

import Foundation
import GRDB
import Logging
import Synchronization

/// Copies the write-ahead log back into the database file on a connection and thread of its own,
/// so that no commit waits for a checkpoint.
///
/// By default SQLite checkpoints inside the commit that pushes the log past 1,000 pages: that
/// request then waits for hundreds of scattered page writes and an fsync of the database file,
/// which is what sets the slowest answers. Here a background thread runs a PASSIVE checkpoint
/// every `intervalSeconds` (it never blocks the writer or the readers), and the writer keeps SQLite's
/// own checkpoint only as a backstop at `backstopPages`, where little is left to copy.
final class WALCheckpointer: Sendable {
    /// How often the background thread checkpoints.
    static let intervalSeconds = 0.2
    /// The writer's `wal_autocheckpoint`: the log size at which a commit checkpoints by itself.
    static let backstopPages = 4_096

    private let connection: DatabaseQueue
    private let stopped = Mutex(false)
    private let logger: Logger

    /// Opens the checkpoint connection on the database at `path` and starts the thread.
    init(path: String, logger: Logger) throws {
        var configuration = Configuration()
        configuration.label = "tally.checkpointer"
        self.connection = try DatabaseQueue(path: path, configuration: configuration)
        self.logger = logger
        let thread = Thread { [weak self] in
            while let self, !self.stopped.withLock({ $0 }) {
                self.checkpointOnce()
                Thread.sleep(forTimeInterval: Self.intervalSeconds)
            }
        }
        thread.name = "tally.checkpointer"
        thread.start()
    }

    /// Stops the thread after its current checkpoint.
    func stop() { stopped.withLock { $0 = true } }

    deinit { stop() }

    /// One PASSIVE checkpoint: copies what no reader still needs, never waits for a lock.
    func checkpointOnce() {
        do {
            try connection.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
        {
            // Another checkpoint (a commit's backstop) holds the log, or a long write does: try
            // again next time. Expected under load, so not worth a line in the log.
        } catch {
            logger.warning("background checkpoint failed; commits will checkpoint", metadata: ["error": "\(error)"])
        }
    }
}

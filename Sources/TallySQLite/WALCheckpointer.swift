import Foundation
import GRDB
import Logging
import ServiceLifecycle
import Synchronization
import TallyCore
import TallyMetrics

/// Copies the write-ahead log back into the database file on a connection and queue of its own,
/// so that no commit waits for a large checkpoint.
///
/// By default SQLite checkpoints inside the commit that pushes the log past 1,000 pages: that
/// request then waits for hundreds of scattered page writes and an fsync of the database file,
/// which is what sets the slowest answers. Here a background job (part of the store's service)
/// runs a PASSIVE checkpoint every `interval` of the store's clock, on the checkpoint
/// connection's own queue (it never blocks the writer, the readers or a Swift concurrency
/// thread).
///
/// A PASSIVE checkpoint alone cannot keep the log short under steady load: SQLite starts the log
/// over only when a write transaction begins after a checkpoint that copied every frame, and
/// the writer keeps adding frames while the background copy runs. So when the log passes
/// `restartPages`, the background job asks the writer, which between two groups runs one more
/// PASSIVE checkpoint of its own (`finishPass`). That pass copies only what was committed since
/// the background pass, a few milliseconds of work, and the next group starts the log from the
/// beginning. The writer's own `wal_autocheckpoint` stays as a backstop at `backstopPages`, for
/// when a reader holds an old snapshot and the log cannot start over.
final class WALCheckpointer: Sendable {
    struct Policy: Sendable {
        /// How often the background job checkpoints.
        var interval: Duration
        /// The log size (pages) at which the writer is asked to finish a pass between groups.
        var restartPages: Int
        /// The writer's `wal_autocheckpoint`: the log size at which a commit checkpoints by itself.
        var backstopPages: Int

        /// A pass every 200 ms; the writer's pass past 65,536 pages (256 MiB of log with 4 KiB
        /// pages, about every 4 s at full load); the backstop at 262,144 pages (1 GiB).
        static let standard = Policy(interval: .milliseconds(200), restartPages: 65_536, backstopPages: 262_144)
    }

    let policy: Policy
    private let connection: DatabaseQueue
    private let restartWanted = Atomic<Bool>(false)
    private let restarts = Atomic<Int>(0)
    private let logger: Logger
    private let metrics: TallyMetrics
    /// The database's page size, for the log's size in bytes.
    private let pageSize: Int

    /// Opens the checkpoint connection on the database at `path`; `run(clock:)` starts the passes.
    init(path: String, policy: Policy = .standard, logger: Logger, metrics: TallyMetrics = .disabled) throws {
        var configuration = Configuration()
        configuration.label = "tally.checkpointer"
        self.connection = try DatabaseQueue(path: path, configuration: configuration)
        self.pageSize = try connection.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } ?? 4_096
        self.policy = policy
        self.logger = logger
        self.metrics = metrics
    }

    /// Records the log's size as a pass found it: a 32-byte header and, per frame, a 24-byte
    /// header and one page.
    private func record(_ pass: (walFrameCount: Int, checkpointedFrameCount: Int)) {
        guard pass.walFrameCount >= 0 else { return }
        metrics.walSize(bytes: pass.walFrameCount == 0 ? 0 : 32 + pass.walFrameCount * (pageSize + 24))
    }

    /// One pass, then one each `policy.interval` of `clock`, until the task is cancelled or its
    /// service group shuts down gracefully. Graceful shutdown ends the wait between two passes,
    /// never a pass in progress.
    func run(clock: TallyClock) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await checkpointOnce()
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(for: self.policy.interval) }
            } catch {
                return
            }
        }
    }

    /// How many times the writer finished a pass so that the log could start over.
    var finishedPasses: Int { restarts.load(ordering: .relaxed) }

    /// One PASSIVE checkpoint: copies what no reader still needs, never waits for a lock. Asks the
    /// writer to finish the pass when the log has grown past `restartPages`.
    func checkpointOnce() async {
        do {
            try await connection.writeWithoutTransaction { db in
                guard var pass = Self.passive(db, self.logger) else { return }
                self.record(pass)
                guard pass.walFrameCount >= self.policy.restartPages else { return }
                // Catch up with what was committed while that pass ran, so that the writer's own pass
                // is short: a few more passes, until one finds little new.
                for _ in 0..<Self.catchUpPassesMax {
                    guard let next = Self.passive(db, self.logger) else { return }
                    let caughtUp = next.checkpointedFrameCount - pass.checkpointedFrameCount < Self.catchUpPagesEnough
                    pass = next
                    if caughtUp { break }
                }
                self.restartWanted.store(true, ordering: .relaxed)
            }
        } catch {
            // Only cancellation reaches here (`passive` handles database errors): the store is
            // stopping, and an interrupted PASSIVE checkpoint leaves nothing to repair.
        }
    }

    /// At most this many extra background passes before asking the writer.
    static let catchUpPassesMax = 4
    /// A pass that copied fewer new pages than this has caught up.
    static let catchUpPagesEnough = 256

    /// Run by the writer between two transactions: if the background job asked for it, copies
    /// what was committed since its pass, so that the next write transaction starts the log over.
    func finishPass(_ db: Database) {
        guard restartWanted.exchange(false, ordering: .relaxed) else { return }
        let started = ContinuousClock.now
        guard let pass = Self.passive(db, logger) else { return }
        record(pass)
        restarts.add(1, ordering: .relaxed)
        logger.debug(
            "writer finished a checkpoint pass",
            metadata: [
                "log_pages": "\(pass.walFrameCount)", "checkpointed_pages": "\(pass.checkpointedFrameCount)",
                "pass_us": "\(GroupCommitter.microseconds(ContinuousClock.now - started))",
            ])
    }

    /// One PASSIVE checkpoint on `db`: the log's size and how much of it is in the database file,
    /// or nil when it could not run.
    private static func passive(_ db: Database, _ logger: Logger) -> (walFrameCount: Int, checkpointedFrameCount: Int)?
    {
        do {
            return try db.checkpoint(.passive)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
        {
            // Another checkpoint holds the log, or a long write does: try again next time.
            // Expected under load, so not worth a line in the log.
            return nil
        } catch {
            logger.warning("checkpoint failed; commits will checkpoint", metadata: ["error": "\(error)"])
            return nil
        }
    }
}

import Foundation
import GRDB
import Logging
import ServiceLifecycle
import Synchronization
import TallyCore
import TallyMetrics

/// The embedded default `LedgerStore`: one SQLite file in WAL mode with durable commits.
///
/// One connection writes (SQLite allows one writer); readers use their own connections and never
/// wait for it. Every method is one transaction.
///
/// The store is a `Service`: `run()` runs the writer (group commit) and the background
/// checkpoints, and writes wait until it runs. Register it where the application is assembled
/// (or run it for the length of a command); its graceful shutdown commits what is queued.
public final class SQLiteLedgerStore: LedgerStore, Service {
    let pool: DatabasePool
    let committer: GroupCommitter
    let checkpointer: WALCheckpointer
    let clock: TallyClock
    let ids: IDGenerator
    let logger: Logger
    let metrics: TallyMetrics
    private let started = Atomic<Bool>(false)

    /// Opens (creating if needed) the database at `path` and migrates it. Nothing runs in the
    /// background until `run()`.
    ///
    /// - Parameters:
    ///   - durability: `.full` (default) makes every acknowledged commit survive power loss.
    ///   - clock: stamps every record and paces the background checkpoints.
    ///   - metrics: where committed writes, the group committer and the log's size are recorded.
    public convenience init(
        path: String, durability: SQLiteDurability = .full, clock: TallyClock = .system,
        ids: IDGenerator? = nil, logger: Logger = Logger(label: "tally.sqlite"), metrics: TallyMetrics = .disabled
    ) throws {
        try self.init(
            path: path, durability: durability, clock: clock, ids: ids, logger: logger, metrics: metrics,
            checkpointing: .standard)
    }

    /// The same, with the checkpoint policy chosen (tests shrink it to see the log start over).
    init(
        path: String, durability: SQLiteDurability, clock: TallyClock, ids: IDGenerator?, logger: Logger,
        metrics: TallyMetrics = .disabled, checkpointing: WALCheckpointer.Policy
    ) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 8
        do {
            self.pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets synchronous=NORMAL when it enables WAL; the writer is the only connection
            // that commits, so setting it there decides durability.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(durability.pragma)")
                // A 64 MiB page cache for the writer: a group commit touches many scattered
                // balance and index pages, and SQLite's 2 MiB default spills them mid-transaction.
                try db.execute(sql: "PRAGMA cache_size = -65536")
                // Savepoint journals (one savepoint per request in a group) stay in memory: on
                // disk, SQLite spills every group past 64 KiB of them into a temporary file.
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
                // Checkpoints run in the background (WALCheckpointer); a commit checkpoints only
                // if the log outgrows this backstop.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(checkpointing.backstopPages)")
            }
            self.checkpointer = try WALCheckpointer(
                path: path, policy: checkpointing, logger: logger, metrics: metrics)
        } catch let error as DatabaseError {
            logger.error("cannot open database", metadata: ["path": "\(path)", "error": "\(error)"])
            throw TallyError(.unavailable, "Cannot open the database at \(path): \(error.message ?? "unknown error").")
        }
        self.clock = clock
        self.ids = ids ?? IDGenerator(clock: clock)
        self.logger = logger
        self.metrics = metrics
        self.committer = GroupCommitter(
            pool: pool, checkpointer: checkpointer, logger: logger, metrics: metrics, ids: self.ids)
        try migrateNow()
        try replayJournalTail()
    }

    /// Brings the balances table up to the journal (a ledger checkpoint) before anything runs:
    /// after a crash, the entries committed since the last checkpoint (docs/decisions/0009).
    private func replayJournalTail() throws {
        let started = ContinuousClock.now
        let (covered, entries) = try pool.write { db in try LedgerCheckpoint.run(db) }
        committer.opened(coveringThrough: covered)
        if entries > 0 {
            logger.info(
                "replayed the journal's tail into the balances",
                metadata: [
                    "entries": "\(entries)", "through": "\(covered)",
                    "ms": "\(GroupCommitter.microseconds(ContinuousClock.now - started) / 1_000)",
                ])
        }
    }

    /// Runs the writer, and the background checkpoints on the store's clock, until graceful
    /// shutdown or cancellation; call it once. On graceful shutdown the writer commits every queued request and refuses
    /// new ones, and the checkpointer finishes its pass; then `run()` returns.
    public func run() async {
        precondition(!started.exchange(true, ordering: .relaxed), "a store's service runs once")
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.committer.run() }
                group.addTask { await self.checkpointer.run(clock: self.clock) }
            }
        } onGracefulShutdown: {
            self.committer.finish()
        }
    }

    /// True once `run()` has begun.
    var isRunning: Bool { started.load(ordering: .relaxed) }

    private func migrateNow() throws {
        do {
            let migrator = SQLiteMigrations.migrator()
            // A migration that rewrites every journal entry says so first, with the count, since
            // on a large database it takes a while (about a minute per 10,000,000 entries here).
            let (pending, entries) = try pool.read { db -> (Set<String>, Int) in
                let pending = SQLiteMigrations.journalWideMigrations.subtracting(try migrator.appliedIdentifiers(db))
                guard !pending.isEmpty, try db.tableExists("journal") else { return (pending, 0) }
                return (pending, try Int.fetchOne(db, sql: "SELECT count(*) FROM journal") ?? 0)
            }
            let started = ContinuousClock.now
            let announce = !pending.isEmpty && entries > 0
            if announce {
                logger.info(
                    "migrating the journal", metadata: ["migrations": "\(pending.sorted())", "entries": "\(entries)"])
            }
            try migrator.migrate(pool)
            if announce {
                logger.info(
                    "migrated the journal",
                    metadata: [
                        "entries": "\(entries)",
                        "ms": "\(GroupCommitter.microseconds(ContinuousClock.now - started) / 1_000)",
                    ])
            }
        } catch {
            throw storageError(error, during: "migrate")
        }
    }

    /// The `synchronous` setting of the writer connection (2 = FULL, 1 = NORMAL), for tests.
    public func writerSynchronousSetting() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    public func migrate() async throws { try migrateNow() }

    // MARK: Transactions

    /// Runs `body` in a write transaction, turning driver errors into `TallyError`.
    func write<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch let error as TallyError {
            throw error
        } catch {
            throw storageError(error, during: operation)
        }
    }

    /// `read`, once the balances table covers every write answered before the call: for reads
    /// that show balances (docs/decisions/0009).
    func readSettled<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T)
        async throws -> T
    {
        try await committer.settle()
        return try await read(operation, body)
    }

    /// Runs `body` in a read transaction (a consistent snapshot), turning driver errors into `TallyError`.
    func read<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as TallyError {
            throw error
        } catch {
            throw storageError(error, during: operation)
        }
    }

    func storageError(_ error: any Error, during operation: String) -> TallyError {
        if let error = error as? TallyError { return error }
        logger.error("storage failure", metadata: ["operation": "\(operation)", "error": "\(error)"])
        return .unavailable
    }

    var nowMilliseconds: Int64 { clock.now.millisecondsSince1970 }
}

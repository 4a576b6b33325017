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
    /// Keeps the balance file up to the journal (docs/decisions/0009).
    let follower: BalanceFollower
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
    ///   - followerCrashWindow: a test hook only (see `FollowerCrashWindow`).
    public convenience init(
        path: String, durability: SQLiteDurability = .full, clock: TallyClock = .system,
        ids: IDGenerator? = nil, logger: Logger = Logger(label: "tally.sqlite"), metrics: TallyMetrics = .disabled,
        followerCrashWindow: FollowerCrashWindow? = nil
    ) throws {
        try self.init(
            path: path, durability: durability, clock: clock, ids: ids, logger: logger, metrics: metrics,
            checkpointing: .standard, followerCrashWindow: followerCrashWindow)
    }

    /// The same, with the checkpoint policy chosen (tests shrink it to see the log start over)
    /// and the longest the balance file's follower gathers entries when nothing waits for it.
    init(
        path: String, durability: SQLiteDurability, clock: TallyClock, ids: IDGenerator?, logger: Logger,
        metrics: TallyMetrics = .disabled, checkpointing: WALCheckpointer.Policy,
        followerDelayMax: Duration = .seconds(5), followerCrashWindow: FollowerCrashWindow? = nil
    ) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 8
        let balancePath = BalanceFile.path(for: path)
        // Readers see the balance file as `ledger` (the writer attaches it after the migrations).
        configuration.prepareDatabase { db in
            if db.configuration.readonly { try BalanceFile.attach(db, path: balancePath) }
        }
        do {
            self.pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets synchronous=NORMAL when it enables WAL; the writer is the only connection
            // that commits, so setting it there decides durability.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(durability.pragma)")
                // A 32 MiB page cache for the writer: a group appends to the journal and the
                // events, and reads members and currencies; SQLite's 2 MiB default would read
                // those again and again.
                try db.execute(sql: "PRAGMA cache_size = -32768")
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
        // The database is migrated first: the balance file's connection reads its journal.
        try Self.migrate(pool, logger: logger)
        let ledger: DatabaseQueue
        do {
            ledger = try BalanceFile.open(balancePath, journal: path)
            if let window = followerCrashWindow {
                logger.warning(
                    "test hook: the balance file's transactions are held open", metadata: ["marker": "\(window.marker)"]
                )
                try ledger.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA main.cache_size = \(FollowerCrashWindow.cachePages)")
                    try db.execute(sql: "PRAGMA wal_autocheckpoint = \(FollowerCrashWindow.checkpointPages)")
                }
            }
        } catch {
            throw Self.storageError(error, during: "open the balance file", logger: logger)
        }
        self.follower = BalanceFollower(
            ledger: ledger, journal: pool, logger: logger, metrics: metrics, delayMax: followerDelayMax,
            crashWindow: followerCrashWindow)
        self.committer = GroupCommitter(
            pool: pool, checkpointer: checkpointer, follower: follower, logger: logger, metrics: metrics,
            ids: self.ids)
        do {
            try pool.writeWithoutTransaction { db in try BalanceFile.attach(db, path: balancePath) }
            // Before anything runs, the balance file covers the whole journal: after a crash, the
            // entries committed since its last transaction; for a new or replaced file, all.
            committer.opened(coveringThrough: try follower.catchUp())
        } catch {
            throw storageError(error, during: "open the balance file")
        }
    }

    /// Runs the writer, and the background checkpoints on the store's clock, until graceful
    /// shutdown or cancellation; call it once. On graceful shutdown the writer commits every queued request and refuses
    /// new ones, and the checkpointer finishes its pass; then `run()` returns.
    public func run() async {
        precondition(!started.exchange(true, ordering: .relaxed), "a store's service runs once")
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    await self.committer.run()
                    // The writer has stopped: the follower catches up once more and stops.
                    self.follower.finish()
                }
                group.addTask { await self.follower.run() }
                group.addTask { await self.checkpointer.run(clock: self.clock) }
            }
        } onGracefulShutdown: {
            self.committer.finish()
        }
    }

    /// True once `run()` has begun.
    var isRunning: Bool { started.load(ordering: .relaxed) }

    private static func migrate(_ pool: DatabasePool, logger: Logger) throws {
        do {
            try SQLiteMigrations.migrator().migrate(pool)
        } catch {
            throw storageError(error, during: "migrate", logger: logger)
        }
    }

    /// The `synchronous` setting of the writer connection (2 = FULL, 1 = NORMAL), for tests.
    public func writerSynchronousSetting() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    public func migrate() async throws { try Self.migrate(pool, logger: logger) }

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
        return try await read(operation) { db in
            // The balance file's snapshot first: the journal's, taken after, then holds every
            // entry it covers.
            _ = try BalanceFile.covered(db)
            return try body(db)
        }
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
        Self.storageError(error, during: operation, logger: logger)
    }

    static func storageError(_ error: any Error, during operation: String, logger: Logger) -> TallyError {
        if let error = error as? TallyError { return error }
        logger.error("storage failure", metadata: ["operation": "\(operation)", "error": "\(error)"])
        return .unavailable
    }

    var nowMilliseconds: Int64 { clock.now.millisecondsSince1970 }
}

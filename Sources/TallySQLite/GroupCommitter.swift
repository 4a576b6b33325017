import GRDB
import GRDBSQLite
import Logging
import Synchronization
import TallyCore
import TallyMetrics

/// Group commit for the single SQLite writer: requests that arrive while a transaction is being
/// committed wait in a bounded queue, and the next transaction applies all of them, each inside
/// its own savepoint; requests that arrive while it is still applying join it too, up to
/// `groupSizeMax` requests and `groupChangesMax` changes. A request that fails rolls back to its
/// savepoint alone and gets its own error; the others commit together, and every waiter is
/// answered only after that commit is durable.
/// One fsync and one set of page writes are paid per group instead of per request.
///
/// The writer is a loop, `run()`, that the store's service runs: requests queue until it runs,
/// and after `finish()` it commits what is queued, refuses what comes later and returns.
final class GroupCommitter: Sendable {
    /// One request: a prepared write, its idempotency claim, and who is waiting for it.
    struct Job: Sendable {
        let write: PreparedWrite
        let claim: IdempotencyClaim?
        let now: Int64
        let continuation: CheckedContinuation<WriteOutcome, any Error>
    }

    struct State {
        var pending: [Job] = []
        /// The writer, parked until a request arrives.
        var idleWriter: CheckedContinuation<Bool, Never>?
        /// Set by `finish()`: no new request is taken.
        var finishing = false
        /// Readers waiting for a ledger checkpoint that covers every answered write.
        var settleWaiters: [CheckedContinuation<Void, any Error>] = []
        /// Set once the writer has stopped: no checkpoint will run again.
        var stopped = false
    }

    /// Most requests waiting at once; past it, new ones are refused with 503 instead of queueing
    /// without bound.
    let queueDepthMax: Int
    /// Most requests in one transaction, so one group cannot hold the writer for long.
    let groupSizeMax: Int
    /// Most changes in one transaction; a request counts as its batch's changes, any other write
    /// as one, and a group's first request is taken whatever its size. A change dirties about four
    /// pages, and SQLite spills a transaction's dirty pages into the log once they outgrow the
    /// writer's page cache (16,384 pages of 64 MiB), then reads and writes them again: at
    /// 1,000,000 members a group of 64 requests of 100 changes spilled, and applying it cost about
    /// 14 % more per change. 3,000 changes keep a group's dirty pages under three quarters of it.
    let groupChangesMax: Int
    private let pool: DatabasePool
    private let checkpointer: WALCheckpointer
    private let logger: Logger
    private let metrics: TallyMetrics
    /// Names the events the writes record.
    private let ids: IDGenerator
    private let state = Mutex(State())
    private let stats = Mutex((groups: 0, jobs: 0, largest: 0))
    /// The balances the writer plans with (only the writer's queue touches them).
    let memory = WriterBalances()
    /// The highest journal sequence number of a commit whose writes were answered.
    private let answered = Atomic<Int64>(0)
    /// The journal sequence number the balances table covers (a committed ledger checkpoint).
    private let checkpointed = Atomic<Int64>(0)
    /// A group's commit failed: the writer's balances must be forgotten and the table brought up
    /// to the journal before the next group.
    private let mustCheckpoint = Atomic<Bool>(false)
    /// A ledger checkpoint runs once the journal holds this many entries after the last one.
    let checkpointEntries: Int

    init(
        pool: DatabasePool, checkpointer: WALCheckpointer, logger: Logger, metrics: TallyMetrics = .disabled,
        ids: IDGenerator = IDGenerator(), queueDepthMax: Int = 4_096, groupSizeMax: Int = 512,
        groupChangesMax: Int = 3_000, checkpointEntries: Int = 20_000
    ) {
        self.checkpointEntries = checkpointEntries
        self.pool = pool
        self.checkpointer = checkpointer
        self.logger = logger
        self.metrics = metrics
        self.ids = ids
        self.queueDepthMax = queueDepthMax
        self.groupSizeMax = groupSizeMax
        self.groupChangesMax = groupChangesMax
    }

    /// Groups committed, requests in them, and the largest group so far.
    var statistics: (groups: Int, jobs: Int, largest: Int) { stats.withLock { $0 } }

    /// Requests waiting for the writer.
    var queuedCount: Int { state.withLock { $0.pending.count } }

    /// True once `finish()` was called: no new request is taken.
    var isFinishing: Bool { state.withLock { $0.finishing } }

    /// The database was opened with its balances table covering the journal up to `sequence`
    /// (the store runs a ledger checkpoint when it opens).
    func opened(coveringThrough sequence: Int64) {
        answered.store(sequence, ordering: .releasing)
        checkpointed.store(sequence, ordering: .releasing)
    }

    /// Returns once the balances table covers every write answered before the call, asking the
    /// writer for a ledger checkpoint when it does not yet (docs/decisions/0009). Reads that show
    /// balances call it first, so a client always sees its own writes.
    func settle() async throws {
        let target = answered.load(ordering: .acquiring)
        if checkpointed.load(ordering: .acquiring) >= target {
            // Every write this process answered is covered; another process (a server killed
            // before its checkpoint, or one beside this command) may have left a tail.
            let (covered, last) = try await pool.read { db in
                (try LedgerCheckpoint.coveredSequence(db), try LedgerCheckpoint.lastSequence(db))
            }
            guard covered < last else { return }
        }
        try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, any Error>) in
            let admission = state.withLock { state -> Admission in
                guard !state.stopped else { return .finishing }
                state.settleWaiters.append(waiter)
                defer { state.idleWriter = nil }
                return .queued(idleWriter: state.idleWriter)
            }
            switch admission {
            case .queued(let writer): writer?.resume(returning: true)
            case .full, .finishing:
                waiter.resume(throwing: TallyError(.unavailable, "Tally is shutting down; retry shortly."))
            }
        }
    }

    /// Queues a write and waits until the transaction holding it is durably committed.
    func submit(_ write: PreparedWrite, claim: IdempotencyClaim?, now: Int64) async throws
        -> WriteOutcome
    {
        try await withCheckedThrowingContinuation { continuation in
            let job = Job(write: write, claim: claim, now: now, continuation: continuation)
            let admission = state.withLock { state -> Admission in
                guard !state.finishing else { return .finishing }
                guard state.pending.count < queueDepthMax else { return .full }
                state.pending.append(job)
                defer { state.idleWriter = nil }
                return .queued(idleWriter: state.idleWriter)
            }
            switch admission {
            case .queued(let writer):
                metrics.commitQueueChanged(by: 1)
                writer?.resume(returning: true)
            case .full:
                continuation.resume(
                    throwing: TallyError(
                        .unavailable, "The write queue is full (\(queueDepthMax) requests); retry shortly."))
            case .finishing:
                continuation.resume(throwing: TallyError(.unavailable, "Tally is shutting down; retry shortly."))
            }
        }
    }

    private enum Admission {
        case queued(idleWriter: CheckedContinuation<Bool, Never>?)
        case full
        case finishing
    }

    /// The writer: commits groups as requests arrive, until `finish()` and an empty queue. Run it
    /// once; cancellation acts as `finish()` (requests still queued are then answered with the
    /// cancelled commit's error).
    func run() async {
        while await requestsWaiting() { await drain() }
        // A clean stop leaves the balances table covering the whole journal.
        await checkpoint()
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.stopped = true
            defer { state.settleWaiters = [] }
            return state.settleWaiters
        }
        for waiter in waiters { waiter.resume(throwing: TallyError(.unavailable, "Tally is shutting down.")) }
    }

    /// Makes the writer forget its balances and run a ledger checkpoint before the next group
    /// (after a write outside the group committer failed).
    func requireCheckpoint() {
        mustCheckpoint.store(true, ordering: .relaxed)
    }

    /// True when a ledger checkpoint should run before the next group.
    private var checkpointDue: Bool {
        mustCheckpoint.load(ordering: .relaxed)
            || answered.load(ordering: .relaxed) - checkpointed.load(ordering: .relaxed) >= Int64(checkpointEntries)
            || state.withLock { !$0.settleWaiters.isEmpty }
    }

    /// One ledger checkpoint in a transaction of its own on the writer, then the readers waiting
    /// for it are answered. A failure answers them `UNAVAILABLE` and leaves the next group to try
    /// again.
    private func checkpoint() async {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            defer { state.settleWaiters = [] }
            return state.settleWaiters
        }
        let forget = mustCheckpoint.exchange(false, ordering: .relaxed)
        let memory = self.memory
        do {
            let started = ContinuousClock.now
            let (covered, entries) = try await pool.writeWithoutTransaction { db -> (Int64, Int) in
                if forget { memory.invalidate() }
                var result: (covered: Int64, entries: Int) = (0, 0)
                try db.inTransaction {
                    result = try LedgerCheckpoint.run(db)
                    return .commit
                }
                memory.checkpointed()
                return result
            }
            checkpointed.store(covered, ordering: .releasing)
            if entries > 0 {
                logger.debug(
                    "ledger checkpoint",
                    metadata: [
                        "entries": "\(entries)", "through": "\(covered)",
                        "us": "\(Self.microseconds(ContinuousClock.now - started))",
                    ])
            }
            for waiter in waiters { waiter.resume() }
        } catch {
            if forget { mustCheckpoint.store(true, ordering: .relaxed) }
            logger.error("ledger checkpoint failed", metadata: ["error": "\(error)"])
            for waiter in waiters { waiter.resume(throwing: (error as? TallyError) ?? TallyError.unavailable) }
        }
    }

    /// Stops taking requests; `run()` returns once the queued ones are committed.
    func finish() {
        let writer = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            state.finishing = true
            defer { state.idleWriter = nil }
            return state.idleWriter
        }
        // A parked writer means an empty queue: nothing is left to commit.
        writer?.resume(returning: false)
    }

    /// Suspends the writer until a request waits (true), or it is finishing with none (false).
    private func requestsWaiting() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (writer: CheckedContinuation<Bool, Never>) in
                let ready = state.withLock { state -> Bool? in
                    if !state.pending.isEmpty || !state.settleWaiters.isEmpty { return true }
                    if state.finishing { return false }
                    state.idleWriter = writer
                    return nil
                }
                if let ready { writer.resume(returning: ready) }
            }
        } onCancel: {
            finish()
        }
    }

    /// Commits groups until the queue is empty.
    private func drain() async {
        while true {
            if checkpointDue { await checkpoint() }
            let first = state.withLock { state -> [Job] in
                guard !state.pending.isEmpty else { return [] }
                return Self.take(&state, max: groupSizeMax, changes: groupChangesMax)
            }
            guard !first.isEmpty else { return }
            metrics.commitQueueChanged(by: -first.count)
            // The group, including requests that join it while it is being applied.
            let group = Mutex(first)
            do {
                let (logger, checkpointer, metrics, ids, memory) = (
                    self.logger, self.checkpointer, self.metrics, self.ids, self.memory
                )
                let (results, started, applied, last) = try await pool.writeWithoutTransaction { db in
                    // Between groups: let the log start over if the background checkpointer asks.
                    checkpointer.finishPass(db)
                    let started = ContinuousClock.now
                    var results = [Result<WriteOutcome, any Error>]()
                    var applied = started
                    try db.inTransaction {
                        var next = first
                        var changes = 0
                        while !next.isEmpty {
                            results += try Self.apply(
                                next.map { (write: $0.write, claim: $0.claim, now: $0.now) }, db, logger: logger,
                                ids: ids, memory: memory)
                            changes += next.reduce(0) { $0 + $1.write.changeCount }
                            // Requests that arrived while this group was being applied join it and
                            // share its commit, instead of waiting for a whole cycle more.
                            next = self.takeLateArrivals(
                                upTo: self.groupSizeMax - results.count, changes: self.groupChangesMax - changes)
                            metrics.commitQueueChanged(by: -next.count)
                            group.withLock { $0 += next }
                        }
                        applied = ContinuousClock.now
                        return .commit
                    }
                    metrics.wrotePages(Self.pagesWritten(db))
                    return (results, started, applied, try LedgerCheckpoint.lastSequence(db))
                }
                // Readers that start from here on must see this group's writes.
                answered.store(last, ordering: .releasing)
                let committed = ContinuousClock.now
                let jobs = group.withLock { $0 }
                stats.withLock { $0 = ($0.groups + 1, $0.jobs + jobs.count, max($0.largest, jobs.count)) }
                metrics.groupCommitted(
                    writes: jobs.count, applying: applied - started, committing: committed - applied)
                // One line per group at debug level: how the writer's time splits between applying
                // the requests and the durable commit (the profile in docs/BENCHMARKS.md).
                logger.debug(
                    "group committed",
                    metadata: [
                        "requests": "\(jobs.count)", "apply_us": "\(Self.microseconds(applied - started))",
                        "commit_us": "\(Self.microseconds(committed - applied))",
                    ])
                for (job, result) in zip(jobs, results) { job.continuation.resume(with: result) }
            } catch {
                // The commit itself failed: nothing of this group was written, and the writer's
                // balances may hold some of it, so they are forgotten before the next group.
                mustCheckpoint.store(true, ordering: .relaxed)
                let jobs = group.withLock { $0 }
                logger.error("group commit failed", metadata: ["requests": "\(jobs.count)", "error": "\(error)"])
                let failure = (error as? TallyError) ?? TallyError.unavailable
                for job in jobs { job.continuation.resume(throwing: failure) }
            }
        }
    }

    /// Waiting requests for the group being applied, up to `count` of them and `changes` changes;
    /// none once the group is full.
    private func takeLateArrivals(upTo count: Int, changes: Int) -> [Job] {
        guard count > 0, changes > 0 else { return [] }
        return state.withLock { Self.take(&$0, max: count, changes: changes, atLeastOne: false) }
    }

    /// The oldest waiting requests, up to `count` of them and `changes` changes. A group's first
    /// request is taken whatever its size (`atLeastOne`), so a large batch is never starved.
    private static func take(_ state: inout State, max count: Int, changes: Int, atLeastOne: Bool = true) -> [Job] {
        var taken = 0
        var budget = changes
        for job in state.pending.prefix(count) {
            let size = job.write.changeCount
            guard size <= budget || (atLeastOne && taken == 0) else { break }
            budget -= size
            taken += 1
        }
        let jobs = Array(state.pending.prefix(taken))
        state.pending.removeFirst(taken)
        return jobs
    }

    /// The pages this connection wrote to the log since the last call (the pages of every write
    /// in between, and of any transaction that spilled), from SQLite's own count.
    static func pagesWritten(_ db: Database) -> Int {
        var current: Int32 = 0
        var highest: Int32 = 0
        guard sqlite3_db_status(db.sqliteConnection, SQLITE_DBSTATUS_CACHE_WRITE, &current, &highest, 1) == SQLITE_OK
        else { return 0 }
        return Int(current)
    }

    static func microseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
    }

    /// Applies each request in its own savepoint inside the caller's transaction. A failing
    /// request is rolled back to its savepoint and reported; the others stay.
    static func apply(
        _ requests: [(write: PreparedWrite, claim: IdempotencyClaim?, now: Int64)], _ db: Database,
        logger: Logger, ids: IDGenerator, memory: WriterBalances
    ) throws -> [Result<WriteOutcome, any Error>] {
        var results = [Result<WriteOutcome, any Error>]()
        results.reserveCapacity(requests.count)
        for request in requests {
            // A write that reads or writes balances by SQL (a currency's new limits, ghost
            // credentials) finds the table up to date, and the writer forgets what it held after.
            let bySQL = request.write.touchesBalancesBySQL
            if bySQL { try LedgerCheckpoint.run(db) }
            defer {
                if bySQL { memory.forget() }
            }
            var outcome: WriteOutcome?
            do {
                try db.inSavepoint {
                    outcome = try SQLiteLedgerStore.performInTransaction(
                        request.write, claim: request.claim, db, now: request.now, ids: ids, memory: memory)
                    return .commit
                }
                memory.keepPending()
                // Safe: the savepoint body either assigned an outcome or threw.
                results.append(.success(outcome!))
            } catch let error as TallyError {
                memory.dropPending()
                results.append(.failure(error))
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                memory.dropPending()
                // A constraint the planner should have prevented: refuse this request only, and say so.
                logger.error("a write broke a schema constraint", metadata: ["error": "\(error)"])
                results.append(.failure(TallyError.unavailable))
            }
            if bySQL { try LedgerCheckpoint.run(db) }
        }
        return results
    }
}

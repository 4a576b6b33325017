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
    }

    /// Most requests waiting at once; past it, new ones are refused with 503 instead of queueing
    /// without bound.
    let queueDepthMax: Int
    /// Most requests in one transaction, so one group cannot hold the writer for long.
    let groupSizeMax: Int
    /// Most changes in one transaction; a request counts as its batch's changes, any other write
    /// as one, and a group's first request is taken whatever its size. It bounds how long one
    /// group holds the writer (before the balance file, a change dirtied about four pages and the
    /// limit also kept a group inside the writer's page cache).
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
    /// Keeps the balance file up to the journal.
    let follower: BalanceFollower
    /// The highest journal sequence number of a commit whose writes were answered.
    private let answered = Atomic<Int64>(0)
    /// Something the writer did not plan may have changed balances (a failed commit, a load):
    /// before the next group it forgets its balances and waits for the balance file to cover the
    /// journal.
    private let mustResettle = Atomic<Bool>(false)
    /// Most journal entries the writer runs ahead of the balance file; past it, it waits, so the
    /// balances it must remember stay bounded.
    let lagMax: Int64

    init(
        pool: DatabasePool, checkpointer: WALCheckpointer, follower: BalanceFollower, logger: Logger,
        metrics: TallyMetrics = .disabled, ids: IDGenerator = IDGenerator(), queueDepthMax: Int = 4_096,
        groupSizeMax: Int = 512, groupChangesMax: Int = 3_000, lagMax: Int64 = 150_000
    ) {
        self.follower = follower
        self.lagMax = lagMax
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

    /// The database was opened with the balance file covering the journal up to `sequence`.
    func opened(coveringThrough sequence: Int64) {
        answered.store(sequence, ordering: .releasing)
    }

    /// Returns once the balance file covers every write committed before the call, by this
    /// process or another (docs/decisions/0009). Reads that show balances call it first, so a
    /// client always sees its own writes.
    func settle() async throws {
        var target = answered.load(ordering: .acquiring)
        if follower.covered >= target {
            // Every write this process answered is covered; another process (a command beside
            // this server) may have written after.
            target = try await pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM main.journal") ?? 0
            }
        }
        try await follower.waitCovering(target)
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
    }

    /// Makes the writer forget its balances and wait for the balance file to cover the journal
    /// before the next group (after a write outside the group committer).
    func requireResettle() {
        mustResettle.store(true, ordering: .relaxed)
    }

    /// Forgets the writer's balances and waits until the balance file covers the whole journal.
    private func resettle() async throws {
        memory.invalidate()
        let last = try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM main.journal") ?? 0
        }
        try await follower.waitCovering(last)
        answered.store(max(answered.load(ordering: .relaxed), last), ordering: .releasing)
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
                    if !state.pending.isEmpty { return true }
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
            let first = state.withLock { state -> [Job] in
                guard !state.pending.isEmpty else { return [] }
                return Self.take(&state, max: groupSizeMax, changes: groupChangesMax)
            }
            guard !first.isEmpty else { return }
            // A write that reads balances by SQL runs alone, once the balance file covers the
            // journal; and the writer never runs more than lagMax entries ahead of the file.
            let alone = first[0].write.readsBalancesBySQL
            do {
                if alone || mustResettle.exchange(false, ordering: .relaxed) {
                    try await resettle()
                } else {
                    let ahead = answered.load(ordering: .relaxed)
                    if ahead - follower.covered > lagMax { try await follower.waitCovering(ahead - lagMax / 2) }
                    memory.trim(covered: follower.covered)
                }
            } catch {
                mustResettle.store(true, ordering: .relaxed)
                metrics.commitQueueChanged(by: -first.count)
                for job in first { job.continuation.resume(throwing: (error as? TallyError) ?? TallyError.unavailable) }
                continue
            }
            metrics.commitQueueChanged(by: -first.count)
            // The group, including requests that join it while it is being applied.
            let group = Mutex(first)
            do {
                let (logger, checkpointer, metrics, ids, memory, follower) = (
                    self.logger, self.checkpointer, self.metrics, self.ids, self.memory, self.follower
                )
                let remembered = answered.load(ordering: .relaxed)
                let (results, started, applied, last) = try await pool.writeWithoutTransaction { db in
                    var own = remembered
                    // Between groups: let the log start over if the background checkpointer asks.
                    checkpointer.finishPass(db)
                    let started = ContinuousClock.now
                    var results = [Result<WriteOutcome, any Error>]()
                    var applied = started
                    var last: Int64 = 0
                    let lastSequence = "SELECT COALESCE(MAX(seq), 0) FROM main.journal"
                    for attempt in 1...Self.foreignWriteRetries {
                        // Another process wrote the journal since this writer's last commit: what
                        // it remembers may be stale, so it forgets it and waits for the balance
                        // file to cover those entries, outside a transaction, so that the one
                        // below reads the file as it is then (a transaction reads the attached
                        // file as of its BEGIN).
                        let found = try Int64.fetchOne(db.cachedStatement(sql: lastSequence)) ?? 0
                        if found != own {
                            memory.invalidate()
                            try follower.waitCoveringBlocking(found)
                            own = found
                        }
                        var raced = false
                        try db.inTransaction {
                            // One more write between the check and the lock: look again.
                            guard try Int64.fetchOne(db.cachedStatement(sql: lastSequence)) == own else {
                                raced = true
                                return .rollback
                            }
                            try applyGroup()
                            return .commit
                        }
                        if !raced { break }
                        guard attempt < Self.foreignWriteRetries else {
                            throw TallyError(.unavailable, "Another process kept writing the journal; retry shortly.")
                        }
                    }
                    func applyGroup() throws {
                        var next = first
                        var changes = 0
                        while !next.isEmpty {
                            results += try Self.apply(
                                next.map { (write: $0.write, claim: $0.claim, now: $0.now) }, db, logger: logger,
                                ids: ids, memory: memory)
                            changes += next.reduce(0) { $0 + $1.write.changeCount }
                            if alone { break }
                            // Requests that arrived while this group was being applied join it and
                            // share its commit, instead of waiting for a whole cycle more.
                            next = self.takeLateArrivals(
                                upTo: self.groupSizeMax - results.count, changes: self.groupChangesMax - changes)
                            metrics.commitQueueChanged(by: -next.count)
                            group.withLock { $0 += next }
                        }
                        last = try Int64.fetchOne(db.cachedStatement(sql: lastSequence)) ?? 0
                        applied = ContinuousClock.now
                    }
                    memory.committed(through: last)
                    metrics.wrotePages(Self.pagesWritten(db))
                    return (results, started, applied, last)
                }
                // Readers that start from here on must see this group's writes.
                answered.store(last, ordering: .releasing)
                follower.committed(through: last)
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
                mustResettle.store(true, ordering: .relaxed)
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
    /// Times a group looks again when another process wrote the journal between its check and
    /// its lock.
    static let foreignWriteRetries = 3

    private static func take(_ state: inout State, max count: Int, changes: Int, atLeastOne: Bool = true) -> [Job] {
        var taken = 0
        var budget = changes
        for job in state.pending.prefix(count) {
            // A write that reads balances by SQL makes a group of its own.
            if job.write.readsBalancesBySQL {
                if atLeastOne && taken == 0 { taken = 1 }
                break
            }
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
        }
        return results
    }
}

import Foundation
import GRDB
import Logging
import Synchronization
import TallyCore
import TallyMetrics

/// Keeps the balance file (`BalanceFile`) up to the journal, in transactions of its own on the
/// file's connection. It gathers entries to write many at once: a transaction runs when
/// `batchMin` entries wait, when a reader waits for it, or `delayMax` after the last one (the
/// more changes a transaction carries, the fewer pages each costs, since many land on one page).
/// Readers that show balances wait, through `waitCovering`, until it covers what they must see;
/// the writer waits when it runs more than its `lagMax` entries ahead.
final class BalanceFollower: Sendable {
    let ledger: DatabaseQueue
    private let journal: DatabasePool
    private let logger: Logger
    private let metrics: TallyMetrics
    /// Most journal entries applied in one transaction on the balance file.
    let chunk: Int
    /// How often the follower looks at the journal when nothing woke it.
    let pollInterval: Duration
    /// Entries that make a transaction run at once.
    let batchMin: Int64
    /// Longest a committed entry waits for the follower when no reader needs it.
    let delayMax: Duration
    /// A test hook: each transaction held open (see `FollowerCrashWindow`).
    let crashWindow: FollowerCrashWindow?
    /// The highest journal sequence number the writer committed (as it told `committed`).
    private let published = Atomic<Int64>(0)
    /// Threads blocked in `waitCoveringBlocking`: the follower runs for them at once.
    private let blockedWaiters = Atomic<Int>(0)
    /// The journal sequence number the balance file covers (its last committed transaction).
    private let coveredSequence = Atomic<Int64>(0)
    private let state = Mutex(State())
    private let wakeUp: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>

    private struct State {
        var waiters: [(target: Int64, continuation: CheckedContinuation<Void, any Error>)] = []
        var finishing = false
        var stopped = false
    }

    init(
        ledger: DatabaseQueue, journal: DatabasePool, logger: Logger, metrics: TallyMetrics = .disabled,
        chunk: Int = 50_000, pollInterval: Duration = .milliseconds(50), batchMin: Int64 = 40_000,
        delayMax: Duration = .seconds(5), crashWindow: FollowerCrashWindow? = nil
    ) {
        // Under the crash hook, a transaction for every entry committed.
        self.batchMin = crashWindow == nil ? batchMin : 1
        self.crashWindow = crashWindow
        self.delayMax = delayMax
        self.ledger = ledger
        self.metrics = metrics
        self.journal = journal
        self.logger = logger
        self.chunk = chunk
        self.pollInterval = pollInterval
        (wakes, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The journal sequence number the balance file covers.
    var covered: Int64 { coveredSequence.load(ordering: .acquiring) }

    /// Before anything runs: empties a balance file that belongs to another journal, then brings
    /// it up to the whole journal, with a line every few seconds for a long rebuild. Returns the
    /// sequence number it covers.
    @discardableResult func catchUp() throws -> Int64 {
        let started = ContinuousClock.now
        var lastLine = started
        var total = 0
        let journal = self.journal
        let rebuilt = try ledger.write { db in try BalanceFile.reconcile(db) }
        if rebuilt { logger.warning("the balance file did not match the journal; rebuilding it from the journal") }
        let last = try journal.read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM main.journal") ?? 0
        }
        while true {
            let (through, applied) = try ledger.writeWithoutTransaction { db in
                try Self.follow(db, limit: self.chunk, metrics: self.metrics)
            }
            coveredSequence.store(through, ordering: .releasing)
            total += applied
            if applied == 0 { break }
            if ContinuousClock.now - lastLine > .seconds(5) {
                lastLine = ContinuousClock.now
                logger.info(
                    "bringing the balance file up to the journal",
                    metadata: ["entries": "\(total)", "through": "\(through)", "of": "\(last)"])
            }
        }
        if total > 0 {
            logger.info(
                "the balance file covers the journal",
                metadata: [
                    "entries": "\(total)", "through": "\(covered)",
                    "ms": "\(GroupCommitter.microseconds(ContinuousClock.now - started) / 1_000)",
                ])
        }
        return covered
    }

    /// Tells the follower the writer committed the journal up to `sequence`.
    func committed(through sequence: Int64) {
        published.store(sequence, ordering: .relaxed)
        if sequence - covered >= batchMin { wakeUp.yield() }
    }

    /// Follows the journal until `finish()`, then catches up once more and answers every waiter.
    func run() async {
        let poller = Task { [wakeUp, pollInterval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: pollInterval)
                wakeUp.yield()
            }
        }
        defer { poller.cancel() }
        var iterator = wakes.makeAsyncIterator()
        while true {
            let started = ContinuousClock.now
            let applied = await step()
            if applied >= chunk { continue }
            // Cancelled (not a graceful stop): the journal stays covered by the next start.
            if applied == 0 && (state.withLock({ $0.finishing }) || Task.isCancelled) { break }
            // Gather: wait until enough entries wait, a reader does, or delayMax has passed.
            while true {
                // nil once cancelled: stop gathering rather than spin.
                guard await iterator.next() != nil else { break }
                let (waiting, finishing) = state.withLock { (!$0.waiters.isEmpty, $0.finishing) }
                if waiting || finishing || blockedWaiters.load(ordering: .relaxed) > 0
                    || published.load(ordering: .relaxed) - covered >= batchMin
                    || ContinuousClock.now - started >= delayMax
                {
                    break
                }
            }
        }
        let waiters = state.withLock { state in
            state.stopped = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters {
            if waiter.target <= covered {
                waiter.continuation.resume()
            } else {
                waiter.continuation.resume(throwing: TallyError(.unavailable, "Tally is shutting down; retry shortly."))
            }
        }
    }

    /// Stops following once the journal is covered (the writer has stopped).
    func finish() {
        state.withLock { $0.finishing = true }
        wakeUp.yield()
    }

    /// One transaction on the balance file; the entries it applied (0 when it was up to date or
    /// failed).
    private func step() async -> Int {
        let chunk = self.chunk
        do {
            let metrics = self.metrics
            let crashWindow = self.crashWindow
            let (through, applied) = try await ledger.writeWithoutTransaction { db in
                try Self.follow(db, limit: chunk, metrics: metrics, crashWindow: crashWindow)
            }
            coveredSequence.store(through, ordering: .releasing)
            answerWaiters()
            return applied
        } catch {
            if Task.isCancelled { return 0 }
            logger.error("the balance file could not follow the journal", metadata: ["error": "\(error)"])
            try? await Task.sleep(for: .seconds(1))
            return 0
        }
    }

    /// One transaction on the balance file, taking its write lock first (another process's
    /// follower may write it too).
    private static func follow(
        _ db: Database, limit: Int, metrics: TallyMetrics, crashWindow: FollowerCrashWindow? = nil
    ) throws -> (covered: Int64, applied: Int) {
        var result: (covered: Int64, applied: Int) = (0, 0)
        try db.inTransaction(.immediate) {
            result = try BalanceFile.follow(db, limit: limit)
            if result.applied > 0 { crashWindow?.holdOpen() }
            return .commit
        }
        // The balance file's pages count with the database's (pages written per change).
        metrics.wrotePages(GroupCommitter.pagesWritten(db))
        return result
    }

    private func answerWaiters() {
        let covered = self.covered
        let ready = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            var ready: [CheckedContinuation<Void, any Error>] = []
            state.waiters.removeAll { waiter in
                guard waiter.target <= covered else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once the balance file covers the journal up to `target`.
    func waitCovering(_ target: Int64) async throws {
        if covered >= target { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let refused = state.withLock { state -> Bool in
                guard !state.stopped else { return true }
                state.waiters.append((target, continuation))
                return false
            }
            if refused {
                continuation.resume(throwing: TallyError(.unavailable, "Tally is shutting down; retry shortly."))
                return
            }
            wakeUp.yield()
            // The follower may have covered it between the check and the append.
            answerWaiters()
        }
    }

    /// The same for the writer's own thread (outside the cooperative pool), which must not await:
    /// waits up to `timeout`, then throws `UNAVAILABLE`.
    func waitCoveringBlocking(_ target: Int64, timeout: Duration = .seconds(10)) throws {
        let deadline = ContinuousClock.now + timeout
        blockedWaiters.add(1, ordering: .relaxed)
        defer { blockedWaiters.subtract(1, ordering: .relaxed) }
        wakeUp.yield()
        while covered < target {
            guard ContinuousClock.now < deadline else {
                throw TallyError(.unavailable, "The balances are catching up with the journal; retry shortly.")
            }
            usleep(1_000)
        }
    }
}

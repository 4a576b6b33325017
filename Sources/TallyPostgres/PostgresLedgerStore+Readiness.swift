import PostgresNIO
import Synchronization
import TallyCore

extension PostgresLedgerStore {
    /// How long an operation waits for a pooled connection before it gives up with
    /// `UNAVAILABLE`. While PostgreSQL cannot be reached the pool keeps retrying in the
    /// background, and without a bound a request would wait a minute, until the pool's circuit
    /// breaker opens; with it, the client gets a 503 it can retry, and the request gets its
    /// connection as soon as one is free or PostgreSQL is back.
    public static let connectionWaitMax: Duration = .seconds(5)

    /// Ready when the schema is in place and `SELECT 1` runs on a pooled connection, within
    /// `deadline` (the wait for the connection included).
    public func checkReadiness(deadline: Duration) async throws {
        try await withDeadline(deadline, subject: "PostgreSQL") {
            try await self.ready()
            do {
                try await self.withConnection(waitingAtMost: deadline) { connection in
                    _ = try await connection.query("SELECT 1", logger: self.logger).collect()
                }
            } catch let error as TallyError {
                throw error
            } catch {
                self.logger.warning("not ready: SELECT 1 failed", metadata: ["error": "\(String(reflecting: error))"])
                throw TallyError(.unavailable, "PostgreSQL cannot be reached.")
            }
        }
    }

    /// Runs `body` with a connection of `pool` (the primary's when nil), waiting at most `wait`
    /// for one; past it, throws `UNAVAILABLE`. Only the wait is bounded, never `body`.
    ///
    /// The pool's lease is cancellable but has no timeout of its own, so a task of its own holds
    /// the lease and hands the connection over; if the wait runs out first, that task is
    /// cancelled (which takes the request out of the pool's queue) and the caller goes on without
    /// waiting for it. The connection goes back to the pool when `body` returns or throws.
    func withConnection<T>(
        waitingAtMost wait: Duration, from pool: PostgresClient? = nil, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let handoff = ConnectionHandoff()
        let client = pool ?? self.client
        // A wait for the primary ends as soon as the primary is found gone (`watchPrimary`), so
        // that a failover answers 503 at once rather than after the whole wait.
        let waiter = pool == nil && clients.count > 1 ? primaryWaiters.add(handoff) : nil
        defer { if let waiter { primaryWaiters.remove(waiter) } }
        // Not a child task: a request must not wait for the lease to notice its cancellation.
        // A pool that keeps trying a server that is gone for good (a crashed primary after a
        // failover) held a child's lease, and so the request, forever. The lease ends on its own
        // when a connection comes (`lend` gives it straight back) or the pool gives up.
        let lease = Task {
            do {
                try await client.withConnection { connection in await handoff.lend(connection) }
            } catch {
                handoff.fail(error)
            }
        }
        let timer = Task {
            try await ContinuousClock().sleep(for: wait)
            handoff.fail(
                TallyError(
                    .unavailable,
                    "No PostgreSQL connection was free within \(wait.components.seconds) s; retry shortly."))
        }
        defer { timer.cancel() }
        let connection: PostgresConnection
        do {
            // A caller cancelled (its client gone, or shutdown) stops waiting at once.
            connection = try await withTaskCancellationHandler {
                try await handoff.connection()
            } onCancel: {
                handoff.fail(CancellationError())
            }
        } catch {
            lease.cancel()
            throw error
        }
        timer.cancel()
        defer { handoff.giveBack() }
        return try await body(connection)
    }
}

/// The requests waiting for a connection to the primary, with a URL naming several servers.
final class PrimaryWaiters: Sendable {
    private let waiting = Mutex<(next: Int, handoffs: [Int: ConnectionHandoff])>((0, [:]))

    fileprivate func add(_ handoff: ConnectionHandoff) -> Int {
        waiting.withLock { state in
            state.next += 1
            state.handoffs[state.next] = handoff
            return state.next
        }
    }

    func remove(_ id: Int) {
        _ = waiting.withLock { $0.handoffs.removeValue(forKey: id) }
    }

    /// Ends every wait not yet served with `error` (one already holding its connection goes on).
    func failAll(_ error: TallyError) {
        let handoffs = waiting.withLock { Array($0.handoffs.values) }
        for handoff in handoffs { handoff.fail(error) }
    }
}

/// A pooled connection passed from the task that leases it to the task that uses it, and back.
fileprivate final class ConnectionHandoff: Sendable {
    private enum State {
        /// No connection yet; the user may be waiting.
        case waiting(CheckedContinuation<PostgresConnection, any Error>?)
        /// The lender holds the lease until `giveBack()` resumes it.
        case lent(PostgresConnection, lender: CheckedContinuation<Void, Never>)
        /// Given back, or no connection will come: the error says why.
        case done((any Error)?)
    }

    private let state = Mutex<State>(.waiting(nil))

    /// The user's side: waits for the connection, or for the reason none will come.
    func connection() async throws -> PostgresConnection {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = state.withLock { state -> Result<PostgresConnection, any Error>? in
                switch state {
                case .waiting:
                    state = .waiting(continuation)
                    return nil
                case .lent(let connection, _):
                    return .success(connection)
                case .done(let error):
                    return .failure(error ?? CancellationError())
                }
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    /// The lender's side: offers the leased connection and keeps the lease until it comes back;
    /// gives it back at once when the user has stopped waiting.
    func lend(_ connection: PostgresConnection) async {
        await withCheckedContinuation { (lender: CheckedContinuation<Void, Never>) in
            let action = state.withLock { state -> (CheckedContinuation<PostgresConnection, any Error>?, Bool) in
                guard case .waiting(let user) = state else { return (nil, false) }
                state = .lent(connection, lender: lender)
                return (user, true)
            }
            guard action.1 else { return lender.resume() }
            action.0?.resume(returning: connection)
        }
    }

    /// No connection will come (the lease failed or the wait ran out); ignored once lent.
    func fail(_ error: any Error) {
        let user = state.withLock { state -> CheckedContinuation<PostgresConnection, any Error>?? in
            guard case .waiting(let user) = state else { return nil }
            state = .done(error)
            return .some(user)
        }
        if let user { user?.resume(throwing: error) }
    }

    /// The user is done: the lender returns the connection to the pool.
    func giveBack() {
        let lender = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard case .lent(_, let lender) = state else { return nil }
            state = .done(nil)
            return lender
        }
        lender?.resume()
    }
}

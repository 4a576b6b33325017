import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// A connection that closed under a transaction (PostgreSQL stopped or crashed, or the network
/// dropped it). The operation fails with `UNAVAILABLE`, and the pool replaces the connection.
struct ConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the PostgreSQL connection is closed" }
}

extension PostgresConnection {
    /// Throws `ConnectionClosed` when the connection has closed. Every statement is sent after
    /// this check: postgres-nio drops a statement written to a connection whose channel has
    /// already closed, and its answer never comes, so a request would wait forever (seen when
    /// the primary crashed between two statements of one transaction).
    func requireOpen() throws {
        if isClosed { throw ConnectionClosed() }
    }

    /// Rolls back after a failure, and returns when PostgreSQL answered or the connection
    /// closed, whichever comes first. The failure may have been the connection closing, and a
    /// ROLLBACK sent while it closes may never be answered (see `requireOpen`); the pool drops
    /// a closed connection, so nothing is left to roll back then.
    func rollBack(logger: Logger) async {
        guard !isClosed else { return }
        let finished = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let finish: @Sendable () -> Void = {
            finished.withLock { continuation in
                continuation?.resume()
                continuation = nil
            }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            finished.withLock { $0 = continuation }
            Task {
                _ = try? await self.query("ROLLBACK", logger: logger)
                finish()
            }
            closeFuture.whenComplete { _ in finish() }
        }
    }
}

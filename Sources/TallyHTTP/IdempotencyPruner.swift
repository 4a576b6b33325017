import Logging
import ServiceLifecycle
import TallyCore

/// Deletes idempotency records older than the retention time, a thousand at a time in short
/// transactions, so pruning never holds the writer for long. Runs beside the server and stops on
/// graceful shutdown.
struct IdempotencyPruner: Service {
    let store: any LedgerStore
    let retentionSeconds: Int64
    let intervalSeconds: Int64
    let clock: TallyClock
    let logger: Logger

    static let batchSize = 1_000

    func run() async throws {
        // Shutdown cancels the sleep; that is the normal way out, not an error.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await pruneOnce()
                try? await Task.sleep(for: .seconds(intervalSeconds))
            }
        }
    }

    /// Prunes everything past retention, batch by batch; returns how many records went.
    @discardableResult
    func pruneOnce() async -> Int {
        let cutoff = Timestamp.milliseconds(clock.now()) - retentionSeconds * 1_000
        var total = 0
        do {
            while true {
                let removed = try await store.pruneIdempotencyRecords(before: cutoff, limit: Self.batchSize)
                total += removed
                if removed < Self.batchSize { break }
                await Task.yield()
            }
        } catch {
            // Shutdown cancels a prune in flight; that is not a failure worth a warning.
            guard !Task.isCancelled else { return total }
            logger.warning("pruning idempotency records failed; will retry", metadata: ["error": "\(error)"])
        }
        if total > 0 { logger.info("pruned idempotency records", metadata: ["count": "\(total)"]) }
        return total
    }
}

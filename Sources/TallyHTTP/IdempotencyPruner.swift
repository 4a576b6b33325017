import Logging
import ServiceLifecycle
import TallyCore

/// Deletes idempotency records older than the retention time, a thousand at a time in short
/// transactions, so pruning never holds the writer for long. Runs beside the server: one pass at
/// start, then one each `interval` on its clock, until graceful shutdown.
struct IdempotencyPruner: Service {
    let store: any LedgerStore
    let retentionSeconds: Int64
    let interval: Duration
    let clock: TallyClock
    let logger: Logger

    static let batchSize = 1_000

    func run() async throws {
        // Shutdown cancels the sleep; that is the normal way out, not an error.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await pruneOnce()
                try? await clock.sleep(for: interval)
            }
        }
    }

    /// Prunes every record created before `retentionSeconds` ago (one exactly that old stays),
    /// batch by batch; returns how many went.
    @discardableResult
    func pruneOnce() async -> Int {
        let cutoff = clock.now.millisecondsSince1970 - retentionSeconds * 1_000
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

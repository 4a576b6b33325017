import Foundation
import Logging
import PostgresNIO
import TallyCore

/// Failover (docs/SCALING.md): with several servers in the URL, the store writes to the one that
/// is not in recovery. It finds it at start, checks it every `primaryCheckInterval`, and when it
/// fails or turns out to be a standby, looks through the others until one has been promoted.
/// Requests meanwhile answer 503 `UNAVAILABLE` with `Retry-After` (a write that reached a
/// standby fails as read-only, a write to a dead server as unreachable: never a wrong answer).
extension PostgresLedgerStore {
    static let primaryCheckInterval: Duration = .milliseconds(250)
    /// How long a check waits for a server's connection.
    static let primaryCheckWait: Duration = .seconds(1)

    /// Whether the server behind `clients[index]` answers and is not in recovery.
    func isPrimary(_ index: Int) async -> Bool {
        do {
            return try await withConnection(waitingAtMost: Self.primaryCheckWait, from: clients[index]) { connection in
                try await first(connection, "SELECT NOT pg_is_in_recovery() AS writable")?["writable"].decode(Bool.self)
                    ?? false
            }
        } catch {
            return false
        }
    }

    /// Makes the first server that answers as a primary the store's primary; throws
    /// `UNAVAILABLE` naming the servers when none does.
    func findPrimary() async throws {
        for index in clients.indices where await isPrimary(index) {
            switchPrimary(to: index)
            return
        }
        logger.error("no PostgreSQL server of the URL is a reachable primary", metadata: ["url": "\(url.redacted)"])
        throw TallyError(.unavailable, "No server of \(url.redacted) is a reachable primary.")
    }

    private func switchPrimary(to index: Int) {
        let previous = primaryIndex.exchange(index, ordering: .acquiringAndReleasing)
        guard previous != index else { return }
        planningCache.forgetAll()
        // What waits for the old primary's pool would wait in vain (or until its wait runs out):
        // 503 now, and the client's retry goes to the new one.
        primaryWaiters.failAll(TallyError(.unavailable, "The PostgreSQL primary moved; retry shortly."))
        logger.warning(
            "the PostgreSQL primary moved",
            metadata: ["from": "\(url.servers[previous].endpoint)", "to": "\(url.servers[index].endpoint)"])
    }

    /// Until cancelled: keeps `primaryIndex` on the server that is the primary.
    func watchPrimary() async {
        while !Task.isCancelled {
            let current = primaryIndex.load(ordering: .acquiring)
            if !(await isPrimary(current)) {
                for index in clients.indices where index != current {
                    if await isPrimary(index) {
                        switchPrimary(to: index)
                        break
                    }
                }
            }
            try? await Task.sleep(for: Self.primaryCheckInterval)
        }
    }
}

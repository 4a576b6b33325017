import Foundation
import Logging
import PostgresNIO
import Synchronization
import TallyCore

/// A streaming replica the store may send read-only work to (`serve --read-database`), with
/// whether it is usable now: reachable, in recovery (a standby, not another primary), and no
/// further behind the primary than the store's `replicaLagMax` (docs/SCALING.md).
final class ReadReplica: Sendable {
    let client: PostgresClient
    let url: PostgresURL
    /// Its place in `--read-database`, for the logs (never its URL's password).
    let index: Int
    private let state = Atomic<Bool>(false)

    init(url: PostgresURL, index: Int, poolSize: Int, logger: Logger) throws {
        // A replica that is down is the watcher's news, not the pool's: its log stays quiet.
        client = PostgresLedgerStore.makePool(
            url, tls: try PostgresTLS(url), size: poolSize, connectTimeout: .seconds(2), logger: logger,
            loggerLevel: .critical)
        self.url = url
        self.index = index
    }

    var isUsable: Bool { state.load(ordering: .acquiring) }

    /// Sets whether it is usable; returns true when that changed.
    func setUsable(_ usable: Bool) -> Bool {
        state.exchange(usable, ordering: .acquiringAndReleasing) != usable
    }
}

extension PostgresLedgerStore {
    /// The read-only operations a replica may serve: lists, search, the leaderboard, a member's
    /// journal, currencies and the event feed. A member's own record and balances (which a bot
    /// reads right after its write), keys, credentials, webhooks, exports and `verify` stay on
    /// the primary.
    static let replicaOperations: Set<String> = [
        "leaderboard", "listMembers", "searchMembers", "journal", "currencies", "listCurrencies", "currency",
        "events",
    ]

    /// How long a read waits for a replica's pooled connection before it goes to the primary.
    static let replicaConnectionWait: Duration = .seconds(1)

    /// How often the replicas' positions are checked.
    static let replicaCheckInterval: Duration = .milliseconds(250)

    /// A usable replica for `operation`, taking turns among them, or nil (the primary serves it).
    func replica(for operation: String) -> ReadReplica? {
        guard !replicas.isEmpty, Self.replicaOperations.contains(operation) else { return nil }
        let usable = replicas.filter(\.isUsable)
        guard !usable.isEmpty else { return nil }
        return usable[replicaTurn.add(1, ordering: .relaxed).oldValue % usable.count]
    }

    /// Runs `body` in a REPEATABLE READ READ ONLY transaction on `replica`. Nil when the replica
    /// failed (not `body`'s own error): it is marked unusable, and the caller asks the primary.
    func onReplica<T: Sendable>(_ replica: ReadReplica, _ body: (PostgresConnection) async throws -> T) async throws
        -> T?
    {
        do {
            return try await withConnection(waitingAtMost: Self.replicaConnectionWait, from: replica.client) {
                connection in
                try await connection.query(PostgresQuery(unsafeSQL: Isolation.reading.rawValue), logger: logger)
                do {
                    let value = try await body(connection)
                    try await connection.query("COMMIT", logger: logger)
                    metrics.postgresReplicaRead()
                    return value
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch let error as TallyError where error.code != .unavailable {
            throw error
        } catch {
            if replica.setUsable(false) {
                logger.warning(
                    "a read replica failed; reads go to the primary until it is back",
                    metadata: ["replica": "\(replica.index)", "error": "\(String(reflecting: error))"])
            }
            return nil
        }
    }

    /// Until cancelled: every `replicaCheckInterval`, reads the primary's WAL position and each
    /// replica's replayed position, and marks a replica usable when it is in recovery and has
    /// replayed at least what the primary had written `replicaLagMax` ago.
    func watchReplicas() async {
        var samples = [(at: ContinuousClock.Instant, lsn: Int64)]()
        while !Task.isCancelled {
            let now = ContinuousClock.now
            if let primary = try? await positionOfPrimary() {
                samples.append((now, primary))
                // Keep what the bound needs: the newest sample at least replicaLagMax old, and after.
                while samples.count > 1 && now - samples[1].at >= replicaLagMax { samples.removeFirst() }
            }
            // What a usable replica must have replayed: the primary's position replicaLagMax ago
            // (the oldest known while the server is younger than that).
            let required = samples.first?.lsn
            for replica in replicas {
                let usable: Bool
                if let required, let position = try? await positionOf(replica) {
                    usable = position.standby && position.replayed >= required
                } else {
                    usable = false
                }
                if replica.setUsable(usable) {
                    if usable {
                        logger.info("a read replica is usable", metadata: ["replica": "\(replica.index)"])
                    } else {
                        logger.warning(
                            "a read replica is unreachable, not a standby, or too far behind; reads go to the primary",
                            metadata: ["replica": "\(replica.index)"])
                    }
                }
            }
            try? await Task.sleep(for: Self.replicaCheckInterval)
        }
    }

    private func positionOfPrimary() async throws -> Int64? {
        try await withConnection(waitingAtMost: Self.replicaConnectionWait) { connection in
            try await first(
                connection,
                "SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE (pg_current_wal_lsn() - '0/0')::bigint END AS lsn")?[
                    "lsn"
                ].decode(Int64?.self)
        }
    }

    private func positionOf(_ replica: ReadReplica) async throws -> (standby: Bool, replayed: Int64) {
        try await withConnection(waitingAtMost: Self.replicaConnectionWait, from: replica.client) { connection in
            guard
                let row = try await first(
                    connection,
                    """
                    SELECT pg_is_in_recovery() AS standby,
                        coalesce((pg_last_wal_replay_lsn() - '0/0')::bigint, 0) AS replayed
                    """)
            else { return (false, 0) }
            return (try row["standby"].decode(Bool.self), try row["replayed"].decode(Int64.self))
        }
    }
}

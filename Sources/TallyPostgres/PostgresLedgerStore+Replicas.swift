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
    /// Until when (`ContinuousClock` nanoseconds since `origin`) the last check vouches for it;
    /// 0 when it is not usable.
    private let usableUntil = Atomic<Int64>(0)
    private static let origin = ContinuousClock.now

    init(url: PostgresURL, index: Int, poolSize: Int, logger: Logger) throws {
        // A replica that is down is the watcher's news, not the pool's: its log stays quiet.
        client = PostgresLedgerStore.makePool(
            url, tls: try PostgresTLS(url), size: poolSize, connectTimeout: .seconds(2), logger: logger,
            loggerLevel: .critical)
        self.url = url
        self.index = index
    }

    private static func nanoseconds(_ instant: ContinuousClock.Instant) -> Int64 {
        let elapsed = instant - origin
        return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    }

    /// Whether the last check vouches for it at `now`: a check that does not come again (the
    /// watcher stalled or the primary is unreachable) stops vouching when its time is up.
    func isUsable(at now: ContinuousClock.Instant = .now) -> Bool {
        Self.nanoseconds(now) < usableUntil.load(ordering: .acquiring)
    }

    /// Records a check: usable until `until`, or not usable (nil). Returns true when whether it
    /// is usable changed.
    func setUsable(until: ContinuousClock.Instant?) -> Bool {
        let was = isUsable()
        usableUntil.store(until.map(Self.nanoseconds) ?? 0, ordering: .releasing)
        return was != (until != nil)
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
        let now = ContinuousClock.now
        let usable = replicas.filter { $0.isUsable(at: now) }
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
                try connection.requireOpen()
                try await connection.query(PostgresQuery(unsafeSQL: Isolation.reading.rawValue), logger: logger)
                do {
                    let value = try await body(connection)
                    try connection.requireOpen()
                    try await connection.query("COMMIT", logger: logger)
                    metrics.postgresReplicaRead()
                    return value
                } catch {
                    await connection.rollBack(logger: logger)
                    throw error
                }
            }
        } catch let error as TallyError where error.code != .unavailable {
            throw error
        } catch {
            if replica.setUsable(until: nil) {
                logger.warning(
                    "a read replica failed; reads go to the primary until it is back",
                    metadata: ["replica": "\(replica.index)", "error": "\(String(reflecting: error))"])
            }
            return nil
        }
    }

    /// Until cancelled: every `replicaCheckInterval`, reads the primary's WAL position and each
    /// replica's replayed position, and marks a replica usable when it is in recovery and has
    /// replayed everything the primary had written `replicaLagMax` before the check.
    ///
    /// The bound errs on the safe side. WAL positions only grow, so the primary's position at
    /// `now - replicaLagMax` is at most that of any sample taken since: the oldest sample no
    /// older than `replicaLagMax` is the position required. Without such a sample (the primary
    /// did not answer lately) no replica is usable. A check vouches for a replica until the
    /// next one is due (twice the interval, for a slow check), so a read from a replica misses
    /// at most the last `replicaLagMax` plus that.
    func watchReplicas() async {
        var samples = [(at: ContinuousClock.Instant, lsn: Int64)]()
        while !Task.isCancelled {
            let checked = ContinuousClock.now
            if let primary = try? await positionOfPrimary() {
                samples.append((checked, primary))
            }
            samples.removeAll { checked - $0.at > replicaLagMax }
            let required = samples.first?.lsn
            for replica in replicas {
                let usable: Bool
                if let required, let position = try? await positionOf(replica) {
                    usable = position.standby && position.replayed >= required
                } else {
                    usable = false
                }
                if replica.setUsable(until: usable ? checked + Self.replicaCheckInterval * 2 : nil) {
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

import CoreMetrics
import TallyCore

/// Tally's own metrics: the handles the stores and the HTTP layer record into, made once from a
/// swift-metrics factory. Every name begins with `tally_`; the exporter (Prometheus, in
/// TallyHTTP) renders them.
///
/// The factory is passed in rather than read from the process-global `MetricsSystem`, so that
/// tests can give each application a registry of their own (bootstrapping is once per process).
/// `disabled` records nothing.
///
/// Recording is cheap: each call is an atomic add or store on a handle made here, never a lookup
/// by name, and nothing is recorded per change (a batch adds its change count once).
///
/// **Labels.** A label's values must come from a small set fixed in the code: an error code of
/// `TallyError.Code`, a route template, a status, a version. A realm, member, currency, key or
/// credential id, an Idempotency-Key, or anything else a client chooses, never becomes a label
/// value: each would start a new series per tenant, and the number of series (the exporter's
/// memory and every scrape's size) would grow without bound. Per-realm figures belong in the
/// logs or the database, not here.
public struct TallyMetrics: Sendable {
    /// The metric names, for the exporter's bucket choices and for tests.
    public enum Name {
        public static let changesApplied = "tally_changes_applied_total"
        public static let batchesCommitted = "tally_batches_committed_total"
        public static let writesCommitted = "tally_writes_committed_total"
        public static let rejections = "tally_rejections_total"
        public static let idempotentReplays = "tally_idempotent_replays_total"
        public static let rateLimited = "tally_rate_limited_total"
        public static let commitQueueDepth = "tally_sqlite_commit_queue_depth"
        public static let groupSize = "tally_sqlite_group_size_writes"
        public static let groupApplyDuration = "tally_sqlite_group_apply_duration_seconds"
        public static let groupCommitDuration = "tally_sqlite_group_commit_duration_seconds"
        public static let walBytes = "tally_sqlite_wal_bytes"
        public static let pagesWritten = "tally_sqlite_pages_written_total"
        public static let postgresConnectionsInUse = "tally_postgres_connections_in_use"
        public static let postgresPoolSize = "tally_postgres_pool_size"
        public static let postgresBatches = "tally_postgres_batches_total"
        public static let postgresReplicaReads = "tally_postgres_replica_reads_total"
        public static let buildInfo = "tally_build_info"
        public static let webhookAttempts = "tally_webhook_attempts_total"
        public static let webhookDeliveriesInFlight = "tally_webhook_deliveries_in_flight"
    }

    /// Records nothing.
    public static let disabled = TallyMetrics(factory: NOOPMetricsHandler.instance)

    private let changesApplied: Counter
    private let batchesCommitted: Counter
    private let writesCommitted: Counter
    private let idempotentReplays: Counter
    private let rateLimitedRequests: Counter
    /// One counter per stable code, made up front: the `code` label takes only these values.
    private let rejections: [TallyError.Code: Counter]
    private let commitQueueDepth: Meter
    private let groupSize: Recorder
    private let groupApplyDuration: Timer
    private let groupCommitDuration: Timer
    private let walBytes: Meter
    private let pagesWritten: Counter
    private let postgresConnectionsInUse: Meter
    private let postgresPoolSize: Meter
    /// One counter per way a PostgreSQL batch was written (`PostgresBatchPath`), made up front.
    private let postgresBatches: [PostgresBatchPath: Counter]
    private let postgresReplicaReads: Counter
    /// One counter per attempt outcome (`DeliveryAttempt.Outcome`), made up front.
    private let webhookAttempts: [String: Counter]
    private let webhookDeliveriesInFlight: Meter

    /// The handles, made from `factory`; `tally_build_info{version,commit}` is set to 1, with
    /// `commit` the one the binary was built from.
    public init(factory: any MetricsFactory, commit: String = "unknown") {
        changesApplied = Counter(label: Name.changesApplied, factory: factory)
        batchesCommitted = Counter(label: Name.batchesCommitted, factory: factory)
        writesCommitted = Counter(label: Name.writesCommitted, factory: factory)
        idempotentReplays = Counter(label: Name.idempotentReplays, factory: factory)
        rateLimitedRequests = Counter(label: Name.rateLimited, factory: factory)
        // Labels: the code only, one of TallyError.Code's fixed raw values (see the type's note).
        rejections = Dictionary(
            uniqueKeysWithValues: TallyError.Code.allCases.map { code in
                (code, Counter(label: Name.rejections, dimensions: [("code", code.rawValue)], factory: factory))
            })
        commitQueueDepth = Meter(label: Name.commitQueueDepth, factory: factory)
        groupSize = Recorder(label: Name.groupSize, aggregate: true, factory: factory)
        groupApplyDuration = Timer(label: Name.groupApplyDuration, factory: factory)
        groupCommitDuration = Timer(label: Name.groupCommitDuration, factory: factory)
        walBytes = Meter(label: Name.walBytes, factory: factory)
        pagesWritten = Counter(label: Name.pagesWritten, factory: factory)
        postgresConnectionsInUse = Meter(label: Name.postgresConnectionsInUse, factory: factory)
        postgresPoolSize = Meter(label: Name.postgresPoolSize, factory: factory)
        postgresReplicaReads = Counter(label: Name.postgresReplicaReads, factory: factory)
        postgresBatches = Dictionary(
            uniqueKeysWithValues: PostgresBatchPath.allCases.map { path in
                (path, Counter(label: Name.postgresBatches, dimensions: [("path", path.rawValue)], factory: factory))
            })
        // Labels: the outcome only, one of DeliveryAttempt.Outcome's fixed raw values.
        webhookAttempts = Dictionary(
            uniqueKeysWithValues: DeliveryAttempt.Outcome.allCases.map { outcome in
                (
                    outcome.rawValue,
                    Counter(label: Name.webhookAttempts, dimensions: [("outcome", outcome.rawValue)], factory: factory)
                )
            })
        webhookDeliveriesInFlight = Meter(label: Name.webhookDeliveriesInFlight, factory: factory)
        // Labels: the version and commit compiled into this binary, one series per process.
        Gauge(
            label: Name.buildInfo, dimensions: [("version", TallyVersion.version), ("commit", commit)],
            factory: factory
        ).record(1)
    }

    // MARK: Writes (both stores)

    /// A write's outcome, once it is durable: a replay counts as a replay and writes nothing;
    /// anything performed counts as a committed write, a batch (of members or credentials) also
    /// as a committed batch and its changes as applied changes.
    public func committed(_ outcome: WriteOutcome) {
        switch outcome {
        case .replayed:
            idempotentReplays.increment()
        case .performed(let result, _):
            writesCommitted.increment()
            let changes: Int
            switch result {
            case .receipt(let receipt): changes = receipt.changes.count
            case .credentialChanges(let receipt): changes = receipt.receipt.changes.count
            default: return
            }
            batchesCommitted.increment()
            changesApplied.increment(by: Int64(changes))
        }
    }

    // MARK: HTTP

    /// A request answered with an error of `code`.
    public func rejected(_ code: TallyError.Code) {
        rejections[code]?.increment()
    }

    /// A request refused by the rate limiter (also a rejection, counted by `rejected`).
    public func rateLimited() {
        rateLimitedRequests.increment()
    }

    // MARK: SQLite

    /// Requests joined (positive) or left (negative) the group committer's queue.
    public func commitQueueChanged(by delta: Int) {
        if delta > 0 {
            commitQueueDepth.increment(by: Double(delta))
        } else if delta < 0 {
            commitQueueDepth.decrement(by: Double(-delta))
        }
    }

    /// A group transaction committed: how many writes it held, how long applying them took, and
    /// how long the commit itself (with its fsync) took.
    public func groupCommitted(writes: Int, applying: Duration, committing: Duration) {
        groupSize.record(writes)
        groupApplyDuration.recordNanoseconds(Self.nanoseconds(applying))
        groupCommitDuration.recordNanoseconds(Self.nanoseconds(committing))
    }

    /// The writer wrote `pages` pages (log frames) since it last said so.
    public func wrotePages(_ pages: Int) {
        if pages > 0 { pagesWritten.increment(by: Int64(pages)) }
    }

    /// The write-ahead log's size in bytes, as a checkpoint pass found it.
    public func walSize(bytes: Int) {
        walBytes.set(bytes)
    }

    // MARK: PostgreSQL

    /// The pool's size, set once when the store is made.
    public func postgresPool(size: Int) {
        postgresPoolSize.set(size)
    }

    /// A pooled connection was taken (+1) or given back (-1).
    public func postgresConnectionsChanged(by delta: Int) {
        if delta > 0 {
            postgresConnectionsInUse.increment(by: Double(delta))
        } else if delta < 0 {
            postgresConnectionsInUse.decrement(by: Double(-delta))
        }
    }

    /// A batch (or single update, or transfer) reached PostgreSQL by `path`, or was handed from
    /// one path to the next.
    public func postgresBatch(_ path: PostgresBatchPath) {
        postgresBatches[path]?.increment()
    }

    /// A read-only transaction was served by a read replica.
    public func postgresReplicaRead() {
        postgresReplicaReads.increment()
    }

    // MARK: Webhooks

    /// A delivery attempt ended with `outcome` (`delivered`, `retrying` or `failed`).
    public func webhookAttempted(_ outcome: String) {
        webhookAttempts[outcome]?.increment()
    }

    /// A subscription's delivery began (+1) or ended (-1).
    public func webhookDeliveriesInFlight(by delta: Int) {
        if delta > 0 {
            webhookDeliveriesInFlight.increment(by: Double(delta))
        } else if delta < 0 {
            webhookDeliveriesInFlight.decrement(by: Double(-delta))
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// How a PostgreSQL batch was written (docs/decisions/0010-postgres-one-round-trip.md): the
/// label values of `tally_postgres_batches_total`.
public enum PostgresBatchPath: String, Sendable, CaseIterable {
    /// Planned from what the server knew, applied by one function call (one round trip).
    case oneStatement = "one_statement"
    /// The same, after one read of what the server did not know (two round trips).
    case readThenOneStatement = "read_then_one_statement"
    /// Planned from what the server knew but found stale in the database (nothing written); the
    /// batch then ran locked.
    case stale
    /// Planned inside a transaction that locked its rows first: a rejection's answer, a stale
    /// plan's second try.
    case locked
}

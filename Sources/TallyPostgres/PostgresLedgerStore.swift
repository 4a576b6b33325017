import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import TallyCore
import TallyMetrics

/// The scale-out `LedgerStore`: PostgreSQL, shared by any number of Tally servers.
///
/// Writes run in READ COMMITTED transactions that lock exactly the rows they change, always in
/// one fixed order (balances sorted by `BalanceKey`), so overlapping batches from many servers
/// queue instead of deadlocking; a serialization failure or deadlock still retries the whole
/// transaction a bounded number of times. Reads that need a consistent view use REPEATABLE READ.
///
/// Connections come from a bounded pool (`poolSize` per store). The store is a `Service`: its
/// `run()` runs the pool, and operations wait until it runs; its graceful shutdown closes every
/// connection. Register it where the application is assembled (or run it for the length of a
/// command). The schema is migrated before the first operation (and by `migrate()`).
public final class PostgresLedgerStore: LedgerStore, Service {
    /// One pool per server the URL names; `client` is the primary's.
    let clients: [PostgresClient]
    /// Which of `clients` is the primary now (docs/SCALING.md, "Failover").
    let primaryIndex = Atomic<Int>(0)
    /// Requests waiting for a connection to the primary, answered 503 when the store moves to
    /// another primary.
    let primaryWaiters = PrimaryWaiters()
    var client: PostgresClient { clients[primaryIndex.load(ordering: .acquiring)] }
    let url: PostgresURL
    let tls: PostgresTLS
    let clock: TallyClock
    let ids: IDGenerator
    let logger: Logger
    let metrics: TallyMetrics
    private let readiness = Mutex<Task<Void, any Error>?>(nil)
    /// What batches are planned from before one round trip writes them.
    let planningCache = PlanningCache()
    /// Streaming replicas for read-only work (`serve --read-database`), and how far behind the
    /// primary one may be and still serve.
    let replicas: [ReadReplica]
    let replicaLagMax: Duration
    let replicaTurn = Atomic<Int>(0)
    /// How long an operation waits for a pooled connection.
    let connectionWait: Duration

    /// Most connections one store opens; PostgreSQL's `max_connections` bounds the sum over servers.
    public static let poolSizeMax = 200
    /// How many times a transaction that lost a deadlock or serialization race is run again.
    static let attemptsMax = 5

    /// Connects lazily to the database `url` names (`postgres://user:pass@host:port/db`, with
    /// `sslmode` and `sslrootcert` as in `PostgresURL`): no connection opens before `run()`. A bad
    /// URL or root certificate file throws `VALIDATION_ERROR` here, at start.
    ///
    /// - Parameters:
    ///   - poolSize: at most this many connections (1 to `poolSizeMax`).
    ///   - clock: stamps every record.
    ///   - metrics: where committed writes and the pool's use are recorded.
    ///   - connectionWait: how long an operation waits for a pooled connection before it answers
    ///     `UNAVAILABLE` (`connectionWaitMax` unless a caller, such as a test on a loaded machine,
    ///     needs longer).
    ///   - readURLs: streaming replicas of this database for the read-only operations
    ///     (`replicaOperations`), each with a pool of `poolSize`; one further behind than
    ///     `replicaLagMax`, unreachable or not a standby is skipped, and the primary answers.
    public init(
        url: String, poolSize: Int = 10, clock: TallyClock = .system, ids: IDGenerator? = nil,
        logger: Logger = Logger(label: "tally.postgres"), metrics: TallyMetrics = .disabled,
        connectionWait: Duration = PostgresLedgerStore.connectionWaitMax, readURLs: [String] = [],
        replicaLagMax: Duration = .seconds(1)
    ) throws {
        let parsed = try PostgresURL(url)
        let tls = try PostgresTLS(parsed)
        guard (1...Self.poolSizeMax).contains(poolSize) else {
            throw TallyError.validation("The PostgreSQL pool size must be 1 to \(Self.poolSizeMax).")
        }
        // The pool warns when a lease arrives before its run() has been scheduled, which is
        // routine here (a command or the server's migration may start as the service group
        // starts the store, and the lease waits for it), so its background logger reports errors
        // only; storage failures are logged with their cause by `storageError` anyway.
        // With several servers a dead one must not hold a request long: the next is tried.
        clients = parsed.servers.map { server in
            Self.makePool(
                parsed, server: server, tls: tls, size: poolSize,
                connectTimeout: parsed.servers.count > 1 ? .seconds(2) : .seconds(10), logger: logger,
                loggerLevel: .error)
        }
        self.connectionWait = connectionWait
        self.url = parsed
        self.tls = tls
        self.clock = clock
        self.ids = ids ?? IDGenerator(clock: clock)
        self.logger = logger
        self.metrics = metrics
        guard readURLs.count <= Self.replicasMax else {
            throw TallyError.validation("At most \(Self.replicasMax) read replicas.")
        }
        replicas = try readURLs.enumerated().map { index, text in
            try ReadReplica(url: try PostgresURL(text), index: index, poolSize: poolSize, logger: logger)
        }
        self.replicaLagMax = replicaLagMax
        metrics.postgresPool(size: poolSize)
    }

    /// A lazily connecting pool of at most `size` connections to the server `url` names.
    static func makePool(
        _ url: PostgresURL, server: PostgresURL.Server? = nil, tls: PostgresTLS, size: Int, connectTimeout: Duration,
        logger: Logger, loggerLevel: Logger.Level
    ) -> PostgresClient {
        var configuration = PostgresClient.Configuration(
            host: server?.host ?? url.host, port: server?.port ?? url.port, username: url.username,
            password: url.password, database: url.database,
            tls: tls.client)
        configuration.options.maximumConnections = size
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = connectTimeout
        var background = logger
        background.logLevel = max(logger.logLevel, loggerLevel)
        return PostgresClient(configuration: configuration, backgroundLogger: background)
    }

    /// Most read replicas one store uses.
    public static let replicasMax = 8

    /// Runs the connection pool until graceful shutdown or cancellation, then closes every
    /// connection and returns; call it once. The store is unusable after.
    public func run() async {
        // The pool runs until the store's graceful shutdown, which comes after the services
        // that use it have stopped; cancelling it then closes its connections.
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for client in self.clients { group.addTask { await client.run() } }
                if self.clients.count > 1 { group.addTask { await self.watchPrimary() } }
                for replica in self.replicas { group.addTask { await replica.client.run() } }
                if !self.replicas.isEmpty { group.addTask { await self.watchReplicas() } }
            }
        }
    }

    /// Connects once outside the pool, so that a wrong password, a server that does not answer or
    /// a TLS handshake that fails (an untrusted certificate, one that does not name the host, a
    /// server without TLS) fails at once with its reason (the pool would retry for a minute
    /// before giving up), then brings the schema up to date. The reason names the URL without its
    /// password.
    public func migrate() async throws {
        try await probe()
        do {
            try await withPooledConnection { connection in
                try await PostgresMigrations.migrate(connection, logger: logger)
            }
        } catch {
            throw storageError(error, during: "migrate")
        }
    }

    private func probe() async throws {
        if url.servers.count > 1 {
            try await findPrimary()
            return
        }
        let configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
            tls: tls.connection)
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try await connection.close()
        } catch {
            let reason = PostgresTLS.reason(error, url: url)
            logger.error(
                "cannot connect to PostgreSQL",
                metadata: [
                    "url": "\(url.redacted)", "reason": "\(reason)", "error": "\(String(reflecting: error))",
                ])
            throw TallyError(.unavailable, "Cannot connect to PostgreSQL at \(url.redacted): \(reason).")
        }
    }

    /// Migrates once before the first operation; a failed attempt is forgotten so the next
    /// operation tries again (the database may simply not be up yet).
    func ready() async throws {
        let task = readiness.withLock { current in
            if let current { return current }
            let made = Task { try await self.migrate() }
            current = made
            return made
        }
        do {
            try await task.value
        } catch {
            readiness.withLock { current in if current == task { current = nil } }
            // The reason is in the log; a client of the server gets the generic sentence.
            throw TallyError.unavailable
        }
    }

    // MARK: Transactions

    /// How a transaction reads.
    enum Isolation: String {
        /// Each statement sees what was committed before it began; row locks order the writers.
        case writing = "BEGIN ISOLATION LEVEL READ COMMITTED"
        /// One snapshot for the whole transaction, for reads that combine several queries.
        case reading = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    }

    /// Runs `body` in one transaction on one pooled connection (waiting at most
    /// `connectionWait` for it), retrying the whole transaction when PostgreSQL chose it as a
    /// deadlock victim or reported a serialization failure, and turning driver errors into
    /// `TallyError`.
    func transaction<T: Sendable>(
        _ operation: String, _ isolation: Isolation = .writing,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await ready()
        if isolation == .reading, let replica = replica(for: operation),
            let value = try await onReplica(replica, body)
        {
            return value
        }
        var attempt = 1
        while true {
            do {
                return try await withPooledConnection { connection in
                    try connection.requireOpen()
                    try await connection.query(PostgresQuery(unsafeSQL: isolation.rawValue), logger: logger)
                    do {
                        let value = try await body(connection)
                        try connection.requireOpen()
                        try await connection.query("COMMIT", logger: logger)
                        return value
                    } catch {
                        await connection.rollBack(logger: logger)
                        throw error
                    }
                }
            } catch let error as TallyError {
                throw error
            } catch let race as IdempotencyRace {
                throw race
            } catch let interruption as ExportInterruption {
                throw interruption
            } catch  where Self.isRetryable(error) && attempt < Self.attemptsMax {
                logger.debug(
                    "retrying a transaction", metadata: ["operation": "\(operation)", "attempt": "\(attempt)"])
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(10 * attempt))))
            } catch {
                throw storageError(error, during: operation)
            }
        }
    }

    /// Runs `body` on a connection of the pool, counted in the metrics as in use while it runs
    /// (the pool itself reports no figures).
    /// A connection from the pool, waiting at most `connectionWait` for one (then 503), counted
    /// in the pool-use gauge while held.
    func withPooledConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection(waitingAtMost: connectionWait) { connection in
            metrics.postgresConnectionsChanged(by: 1)
            defer { metrics.postgresConnectionsChanged(by: -1) }
            return try await body(connection)
        }
    }

    /// Deadlock victims and serialization failures succeed when run again, and so does a write
    /// that created a credential another transaction created first: run again, it finds it.
    static func isRetryable(_ error: any Error) -> Bool {
        guard let state = sqlState(error) else { return false }
        return state == "40P01" || state == "40001"
            || (state == "23505" && constraint(error) == "credentials_identity")
    }

    /// The SQLSTATE of a server error, if `error` is one.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// The constraint a server error names, if any.
    static func constraint(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.constraintName]
    }

    /// True for a unique violation.
    static func isUniqueViolation(_ error: any Error) -> Bool { sqlState(error) == "23505" }

    func storageError(_ error: any Error, during operation: String) -> TallyError {
        if let error = error as? TallyError { return error }
        // A cancelled task (a client gone, or shutdown) is not a storage fault.
        if error is CancellationError || Task.isCancelled {
            logger.debug("operation cancelled", metadata: ["operation": "\(operation)"])
            return .unavailable
        }
        // String(reflecting:) shows the server's message and SQLSTATE; it goes to the log only.
        logger.error(
            "storage failure", metadata: ["operation": "\(operation)", "error": "\(String(reflecting: error))"])
        return .unavailable
    }

    var nowMilliseconds: Int64 { clock.now.millisecondsSince1970 }
}

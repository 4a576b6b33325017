import ArgumentParser
import CoreMetrics
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import TallyCore
import TallyHTTP
import TallyPostgres
import TallyWebhooks

/// `tally serve`: serves the API. With `--demo`, first makes sure a demo realm exists and prints
/// a key and a curl line that works as printed.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the DRIP-compatible HTTP API.",
        discussion: """
            Every option can also come from an environment variable, TALLY_ and the option's name in \
            upper case with underscores (--rate-limit is TALLY_RATE_LIMIT, --demo is TALLY_DEMO=true), \
            or from a JSON config file (--config PATH or TALLY_CONFIG) keyed by the options' names \
            ({"port": 8080, "rate-limit": 600}). A flag beats its variable, which beats the file.
            """)
    @OptionGroup var options: DatabaseOptions
    @Option(help: "A JSON config file of these options, keyed by their names (also TALLY_CONFIG).")
    var config: String?
    @Option(help: "Address to listen on.") var hostname = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @Flag(
        help:
            "On an empty database, create a demo realm, currency, three members and a key; print them with a curl line."
    )
    var demo = false
    @Option(help: "Most changes per batch.") var batchSizeMax = Limits.standard.batchSizeMax
    @Option(help: "Largest request body in bytes.") var bodyBytesMax = Limits.standard.bodyBytesMax
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(
        help:
            "Log format on stderr: text or json (one object per line). Default: text on a terminal, json otherwise."
    )
    var logFormat: String?
    @Option(help: "Requests per minute per realm (off when omitted); past it, 429 with Retry-After.")
    var rateLimit: Int?
    @Option(help: "Hours an Idempotency-Key is remembered.") var idempotencyHours = 24
    @Option(help: "Seconds before an idle connection is closed.") var idleTimeout = 30
    @Option(help: "Serve GET /metrics on a listener of its own at host:port instead of the main port.")
    var metricsAddress: String?
    @Flag(help: "Let webhook subscriptions point at loopback, link-local and private addresses (off: refused).")
    var webhooksAllowPrivate = false
    @Option(help: "Attempts per event and webhook subscription before the event is marked failed.")
    var webhookAttempts = DeliveryPolicy.standard.attemptsMax
    @Option(help: "Milliseconds before the first retry of a failed delivery; each retry waits twice as long.")
    var webhookRetryMs = Int(DeliveryPolicy.standard.retryBaseMilliseconds)
    @Option(help: "Longest long poll of the event feed (its wait parameter), in seconds.")
    var eventsWaitMax = Limits.standard.eventsWaitSecondsMax
    @Option(
        help: ArgumentHelp(
            "PostgreSQL only: a streaming replica for the read-only routes (repeat for several).",
            valueName: "url"))
    var readDatabase: [String] = []
    @Option(help: "PostgreSQL only: milliseconds a read replica may lag behind the primary and still serve.")
    var replicaLagMaxMs = 1_000
    @Option(help: "Seconds a webhook receiver has to answer.")
    var webhookTimeout = Int(DeliveryPolicy.standard.timeoutMilliseconds / 1_000)

    struct Listening: Encodable {
        let event = "listening"
        let url: String
        let database: String
        /// The settings the server runs with, after flags, environment and config file (no secret).
        let settings: Settings
    }

    /// The settings `Listening` reports.
    struct Settings: Encodable {
        let durability: String
        let poolSize: Int
        let batchSizeMax: Int
        let bodyBytesMax: Int
        let logLevel: String
        let logFormat: String
        let rateLimit: Int?
        let idempotencyHours: Int
        let idleTimeout: Int
        let metricsAddress: String?
        let demo: Bool
        let webhooksAllowPrivate: Bool
        let webhookAttempts: Int
        let webhookRetryMs: Int
        let webhookTimeout: Int
        let eventsWaitMax: Int
        /// The replicas' URLs, passwords masked.
        let readDatabases: [String]
        let replicaLagMaxMs: Int

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(durability, forKey: .durability)
            try container.encode(poolSize, forKey: .poolSize)
            try container.encode(batchSizeMax, forKey: .batchSizeMax)
            try container.encode(bodyBytesMax, forKey: .bodyBytesMax)
            try container.encode(logLevel, forKey: .logLevel)
            try container.encode(logFormat, forKey: .logFormat)
            try container.encode(rateLimit, forKey: .rateLimit)
            try container.encode(idempotencyHours, forKey: .idempotencyHours)
            try container.encode(idleTimeout, forKey: .idleTimeout)
            try container.encode(metricsAddress, forKey: .metricsAddress)
            try container.encode(demo, forKey: .demo)
            try container.encode(webhooksAllowPrivate, forKey: .webhooksAllowPrivate)
            try container.encode(webhookAttempts, forKey: .webhookAttempts)
            try container.encode(webhookRetryMs, forKey: .webhookRetryMs)
            try container.encode(webhookTimeout, forKey: .webhookTimeout)
            try container.encode(eventsWaitMax, forKey: .eventsWaitMax)
            try container.encode(readDatabases, forKey: .readDatabases)
            try container.encode(replicaLagMaxMs, forKey: .replicaLagMaxMs)
        }

        enum CodingKeys: String, CodingKey {
            case durability, poolSize, batchSizeMax, bodyBytesMax, logLevel, logFormat, rateLimit, idempotencyHours
            case idleTimeout, metricsAddress, demo, webhooksAllowPrivate, webhookAttempts, webhookRetryMs,
                webhookTimeout, eventsWaitMax, readDatabases, replicaLagMaxMs
        }
    }

    func validate() throws {
        guard (1...100_000).contains(batchSizeMax) else {
            throw ValidationError("--batch-size-max must be 1 to 100000.")
        }
        guard (1_024...(64 << 20)).contains(bodyBytesMax) else {
            throw ValidationError("--body-bytes-max must be 1024 to 67108864.")
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535.") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("Unknown --log-level \(logLevel).") }
        if let logFormat, LogFormat(rawValue: logFormat) == nil {
            throw ValidationError("--log-format must be text or json.")
        }
        guard (1...3_600).contains(idleTimeout) else {
            throw ValidationError("--idle-timeout must be 1 to 3600 seconds.")
        }
        guard (1...24 * 365).contains(idempotencyHours) else {
            throw ValidationError("--idempotency-hours must be 1 to 8760.")
        }
        if let rateLimit, !(1...10_000_000).contains(rateLimit) {
            throw ValidationError("--rate-limit must be 1 to 10000000 requests per minute.")
        }
        if let metricsAddress, ListenAddress(metricsAddress) == nil {
            throw ValidationError("--metrics-address must be host:port (an IPv6 host in brackets).")
        }
        guard DeliveryPolicy.attemptsRange.contains(webhookAttempts) else {
            throw ValidationError("--webhook-attempts must be 1 to \(DeliveryPolicy.attemptsRange.upperBound).")
        }
        guard (10...3_600_000).contains(webhookRetryMs) else {
            throw ValidationError("--webhook-retry-ms must be 10 to 3600000.")
        }
        guard (1...300).contains(webhookTimeout) else { throw ValidationError("--webhook-timeout must be 1 to 300.") }
        guard (0...300).contains(eventsWaitMax) else { throw ValidationError("--events-wait-max must be 0 to 300.") }
        guard (10...3_600_000).contains(replicaLagMaxMs) else {
            throw ValidationError("--replica-lag-max-ms must be 10 to 3600000.")
        }
        guard readDatabase.count <= PostgresLedgerStore.replicasMax else {
            throw ValidationError("At most \(PostgresLedgerStore.replicasMax) --read-database.")
        }
    }

    /// How the deliverer retries, from the options.
    var deliveryPolicy: DeliveryPolicy {
        var policy = DeliveryPolicy.standard
        policy.attemptsMax = webhookAttempts
        policy.retryBaseMilliseconds = Int64(webhookRetryMs)
        policy.timeoutMilliseconds = Int64(webhookTimeout) * 1_000
        return policy
    }

    func run() async throws {
        // Every logger of the process, the libraries' included, writes in the chosen format.
        let format = logFormat.flatMap(LogFormat.init(rawValue:)) ?? .standard
        LoggingSystem.bootstrap { label in format.handler(label: label) }
        var logger = Logger(label: "tally")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        // In json mode a failure to start is a log line too, so that every line of stderr is JSON.
        let report: @Sendable (TallyError) -> Void = { [logger] error in
            if format == .json {
                logger.critical("\(error.message)")
            } else {
                Output.message("tally: \(error.message)")
            }
        }
        do {
            try await serve(logger: logger, report: report)
        } catch let error where format == .json && !(error is ExitCode) {
            // An error no sentence was written for (a port in use): still one JSON line.
            logger.critical("\(error)")
            throw ExitCodeError.failure
        }
    }

    private func serve(logger: Logger, report: @escaping @Sendable (TallyError) -> Void) async throws {
        try await runReportingErrors(report: report) {
            // Once per process: Hummingbird's request metrics record through the global system.
            let metrics = ServerMetrics(commit: BuildInfo.commit)
            MetricsSystem.bootstrap(metrics.factory)
            let store = try options.openStore(
                logger: logger, metrics: metrics.tally, readURLs: readDatabase,
                replicaLagMax: .milliseconds(replicaLagMaxMs))
            var limits = Limits.standard
            limits.batchSizeMax = batchSizeMax
            limits.bodyBytesMax = bodyBytesMax
            limits.eventsWaitSecondsMax = eventsWaitMax
            var configuration = ServerConfiguration(
                hostname: hostname, port: port, limits: limits, rateLimitPerMinute: rateLimit)
            configuration.idempotencyRetentionSeconds = Int64(idempotencyHours) * 3_600
            configuration.idleTimeoutSeconds = Int64(idleTimeout)
            configuration.metricsAddress = metricsAddress.flatMap(ListenAddress.init)
            configuration.webhooksAllowPrivate = webhooksAllowPrivate
            let database = options.displayURL
            let settings = Settings(
                durability: options.durability, poolSize: options.poolSize, batchSizeMax: batchSizeMax,
                bodyBytesMax: bodyBytesMax, logLevel: logLevel,
                logFormat: (logFormat.flatMap(LogFormat.init(rawValue:)) ?? .standard).rawValue, rateLimit: rateLimit,
                idempotencyHours: idempotencyHours,
                idleTimeout: idleTimeout, metricsAddress: metricsAddress.flatMap(ListenAddress.init)?.description,
                demo: demo, webhooksAllowPrivate: webhooksAllowPrivate, webhookAttempts: webhookAttempts,
                webhookRetryMs: webhookRetryMs, webhookTimeout: webhookTimeout, eventsWaitMax: eventsWaitMax,
                readDatabases: readDatabase.map { (try? PostgresURL($0).redacted) ?? "postgres://(unparsable URL)" },
                replicaLagMaxMs: replicaLagMaxMs)
            let host = hostname
            // The deliverer's name in the leases it takes: this server's host and port, the same on
            // every start, so that a restarted server frees what it held (docs/EVENTS.md).
            let sender = HTTPWebhookSender(allowPrivate: webhooksAllowPrivate, policy: deliveryPolicy)
            let deliverer = WebhookDeliverer(
                store: store, sender: sender, policy: deliveryPolicy,
                owner: Self.leaseOwner(port: port, sqlitePath: try options.sqlitePath()),
                metrics: metrics.tally, logger: logger)
            let announcement = demo ? DemoAnnouncement() : nil
            let app = buildApplication(
                store: store, storeServices: [store], configuration: configuration, logger: logger,
                metrics: metrics, services: [deliverer], beforeServerStarts: { try await announcement?.prepare(store) }
            ) { boundPort in
                let base = "http://\(host.contains(":") ? "[\(host)]" : host):\(boundPort)"
                announcement?.announce(baseURL: base)
                Output.json(Listening(url: base, database: database, settings: settings))
            }
            // SIGTERM or SIGINT shut the server down gracefully: in-flight requests finish, then
            // the services stop. Past `shutdownGraceMax` the rest is cancelled, and a service that
            // does not end `shutdownCancellationMax` after that stops the process, rather than a
            // server that never exits (docs/OPERATIONS.md).
            var group = ServiceGroupConfiguration(
                services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            group.maximumGracefulShutdownDuration = Self.shutdownGraceMax
            group.maximumCancellationDuration = Self.shutdownCancellationMax
            // The service group's bounds cannot end a task that never returns (a task group waits
            // for all of its children), and a server was seen to hang on SIGTERM after heavy load:
            // past both bounds and 5 s more, the watchdog ends the process. Every acknowledged
            // write is already durable, so nothing acknowledged is lost.
            let watchdog = ShutdownWatchdog(
                after: Self.shutdownGraceMax + Self.shutdownCancellationMax + .seconds(5), logger: logger)
            defer { watchdog.disarm() }
            try await ServiceGroup(configuration: group).run()
        }
    }

    /// How long a graceful shutdown may take before what is left is cancelled.
    static let shutdownGraceMax = Duration.seconds(60)
    /// How long cancelled services may take to end before the process stops anyway.
    static let shutdownCancellationMax = Duration.seconds(10)
}

extension Serve {
    /// This server's name in webhook leases, the same on every start so that a restarted server
    /// frees what it held: on SQLite (one server per database) the host and the database's path;
    /// on PostgreSQL the host and the port asked for (a server on port 0 gets a random name,
    /// since its port differs on every start; what it held is free when its lease runs out).
    static func leaseOwner(port: Int, sqlitePath: String?) -> String {
        let host = ProcessInfo.processInfo.hostName
        if let sqlitePath { return "\(host):\(URL(fileURLWithPath: sqlitePath).standardizedFileURL.path)" }
        return port == 0 ? "\(host):0:\(IDGenerator().make(KeyKind.self))" : "\(host):\(port)"
    }
}

/// The demo data of `--demo`: prepared once the schema is migrated, announced once the server
/// listens.
private final class DemoAnnouncement: Sendable {
    private let prepared = Mutex<DemoData?>(nil)

    func prepare(_ store: any LedgerStore) async throws {
        let data = try await DemoData.prepare(store)
        prepared.withLock { $0 = data }
    }

    func announce(baseURL: String) { prepared.withLock { $0 }?.announce(baseURL: baseURL) }
}

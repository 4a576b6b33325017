import ArgumentParser
import CoreMetrics
import Foundation
import Hummingbird
import Logging
import Synchronization
import TallyCore
import TallyHTTP

/// `tally serve`: serves the API. With `--demo`, first makes sure a demo realm exists and prints
/// a key and a curl line that works as printed.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the DRIP-compatible HTTP API.")
    @OptionGroup var options: DatabaseOptions
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
    @Option(help: "Requests per minute per realm (off when omitted); past it, 429 with Retry-After.")
    var rateLimit: Int?
    @Option(help: "Hours an Idempotency-Key is remembered.") var idempotencyHours = 24
    @Option(help: "Seconds before an idle connection is closed.") var idleTimeout = 30
    @Option(help: "Serve GET /metrics on a listener of its own at host:port instead of the main port.")
    var metricsAddress: String?

    struct Listening: Encodable {
        let event = "listening"
        let url: String
        let database: String
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
    }

    func run() async throws {
        try await runReportingErrors {
            var logger = Logger(label: "tally")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            // Once per process: Hummingbird's request metrics record through the global system.
            let metrics = ServerMetrics()
            MetricsSystem.bootstrap(metrics.factory)
            let store = try options.openStore(logger: logger, metrics: metrics.tally)
            var limits = Limits.standard
            limits.batchSizeMax = batchSizeMax
            limits.bodyBytesMax = bodyBytesMax
            var configuration = ServerConfiguration(
                hostname: hostname, port: port, limits: limits, rateLimitPerMinute: rateLimit)
            configuration.idempotencyRetentionSeconds = Int64(idempotencyHours) * 3_600
            configuration.idleTimeoutSeconds = Int64(idleTimeout)
            configuration.metricsAddress = metricsAddress.flatMap(ListenAddress.init)
            let database = options.displayURL
            let host = hostname
            let announcement = demo ? DemoAnnouncement() : nil
            let app = buildApplication(
                store: store, storeServices: [store], configuration: configuration, logger: logger,
                metrics: metrics, beforeServerStarts: { try await announcement?.prepare(store) }
            ) { boundPort in
                let base = "http://\(host.contains(":") ? "[\(host)]" : host):\(boundPort)"
                announcement?.announce(baseURL: base)
                Output.json(Listening(url: base, database: database))
            }
            try await app.runService()
        }
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

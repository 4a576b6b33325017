import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle
import TallyCore

/// Builds the Tally HTTP application on `store`. The storage backend is chosen by the caller,
/// once; everything else is decided here.
///
/// The application runs the store's services first and the idempotency pruner beside the
/// server, so a graceful shutdown stops them in the reverse order: the server answers the
/// requests it has, then the pruner stops, then the store commits what is queued, finishes its
/// checkpoint and closes its connections.
///
/// - Parameters:
///   - storeServices: what the store needs running while it is used (`SQLiteLedgerStore` and
///     `PostgresLedgerStore` are themselves services: pass the store); empty when the caller
///     already runs them, as tests that use one store across several applications do.
///   - metrics: what `/metrics` serves; the store's metrics should be made from the same
///     (`metrics.tally`). With `configuration.metricsAddress`, `/metrics` is served there, on a
///     listener of its own that runs beside the server, and not on the main port.
///   - clock: the time of the rate limiter, the pruner and webhook subscriptions.
///   - services: more to run beside the server (the webhook deliverer), stopped before the
///     store's.
///   - beforeServerStarts: runs once the schema is migrated, before the server accepts a
///     request (the demo data of `tally serve --demo`).
///   - onServerRunning: called with the bound port once the server listens.
public func buildApplication(
    store: any LedgerStore, storeServices: [any Service], configuration: ServerConfiguration, logger: Logger,
    metrics: ServerMetrics = ServerMetrics(), clock: TallyClock = .system, services: [any Service] = [],
    beforeServerStarts prepare: @escaping @Sendable () async throws -> Void = {},
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(
        store: store, limits: configuration.limits,
        rateLimiter: configuration.rateLimitPerMinute.map { RateLimiter(limit: $0, clock: clock) }, metrics: metrics,
        servesMetrics: configuration.metricsAddress == nil, clock: clock,
        webhooksAllowPrivate: configuration.webhooksAllowPrivate)
    let pruner = IdempotencyPruner(
        store: store, retentionSeconds: configuration.idempotencyRetentionSeconds, interval: .seconds(60),
        clock: clock, logger: logger)
    let http1 = HTTP1Channel.Configuration(
        idleTimeout: .seconds(configuration.idleTimeoutSeconds),
        httpDecoderConfiguration: .init(
            maxHeaderFieldSize: configuration.headerBytesMax, maxHeaderListSize: configuration.headersBytesMax,
            maxHeaderFieldCount: configuration.headerCountMax))
    var app = Application(
        router: router,
        server: .http1(configuration: http1),
        configuration: .init(address: .hostname(configuration.hostname, port: configuration.port), serverName: "Tally"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
    app.addServices(storeServices)
    app.addServices(pruner)
    app.addServices(services)
    if let address = configuration.metricsAddress {
        app.addServices(
            Application(
                router: buildMetricsRouter(metrics: metrics),
                configuration: .init(address: .hostname(address.hostname, port: address.port), serverName: "Tally"),
                logger: logger))
    }
    // A database that cannot be reached or migrated fails the start, not the first request.
    app.beforeServerStarts {
        try await store.migrate()
        try await prepare()
    }
    return app
}

import Hummingbird
import HummingbirdCore
import Logging
import TallyCore

/// Builds the Tally HTTP application on `store`. The storage backend is chosen by the caller,
/// once; everything else is decided here.
///
/// - Parameter onServerRunning: called with the bound port once the server listens.
public func buildApplication(
    store: any LedgerStore, configuration: ServerConfiguration, logger: Logger, clock: TallyClock = .system,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(
        store: store, limits: configuration.limits,
        rateLimiter: configuration.rateLimitPerMinute.map { RateLimiter(limit: $0, clock: clock) })
    let pruner = IdempotencyPruner(
        store: store, retentionSeconds: configuration.idempotencyRetentionSeconds, interval: .seconds(60), clock: clock,
        logger: logger)
    let http1 = HTTP1Channel.Configuration(
        idleTimeout: .seconds(configuration.idleTimeoutSeconds),
        httpDecoderConfiguration: .init(
            maxHeaderFieldSize: configuration.headerBytesMax, maxHeaderListSize: configuration.headersBytesMax,
            maxHeaderFieldCount: configuration.headerCountMax))
    return Application(
        router: router,
        server: .http1(configuration: http1),
        configuration: .init(address: .hostname(configuration.hostname, port: configuration.port), serverName: "Tally"),
        services: [pruner],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}

/// The router: every route of the API in one place.
public func buildRouter(
    store: any LedgerStore, limits: Limits, rateLimiter: RateLimiter? = nil
) -> Router<TallyRequestContext> {
    let router = Router(context: TallyRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: ErrorMiddleware())
    HealthController().addRoutes(to: router)
    DocumentController().addRoutes(to: router)
    let api = router.group("api/v1").add(middleware: AuthenticationMiddleware(store: store))
    // Every realm route answers under the canonical `realms` prefix and the singular `realm`
    // prefix that older DRIP guides and bots use.
    for prefix in ["realms", "realm"] {
        let realms = api.group(RouterPath(prefix))
        if let rateLimiter { realms.add(middleware: RateLimitMiddleware(limiter: rateLimiter)) }
        BalancesController(store: store, limits: limits).addRoutes(to: realms)
        MembersController(store: store, limits: limits).addRoutes(to: realms)
        CurrenciesController(store: store, limits: limits).addRoutes(to: realms)
        RealmsController(store: store, limits: limits).addRoutes(
            api: api, realms: realms, createRealm: prefix == "realms")
    }
    AccountsController(store: store).addRoutes(api: api)
    return router
}

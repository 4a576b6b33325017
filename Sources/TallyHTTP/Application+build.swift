import Hummingbird
import Logging
import TallyCore

/// Builds the Tally HTTP application on `store`. The storage backend is chosen by the caller,
/// once; everything else is decided here.
///
/// - Parameter onServerRunning: called with the bound port once the server listens.
public func buildApplication(
    store: any LedgerStore, configuration: ServerConfiguration, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(store: store, limits: configuration.limits)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.hostname, port: configuration.port), serverName: "Tally"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}

/// The router: every route of the API in one place.
public func buildRouter(store: any LedgerStore, limits: Limits) -> Router<TallyRequestContext> {
    let router = Router(context: TallyRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: ErrorMiddleware())
    HealthController().addRoutes(to: router)
    let authenticated = router.group("api/v1").add(middleware: AuthenticationMiddleware(store: store))
    BalancesController(store: store, limits: limits).addRoutes(to: authenticated)
    return router
}

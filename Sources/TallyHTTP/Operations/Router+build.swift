import Hummingbird
import TallyConsole
import TallyCore

/// The router: every operation of `Operation.table(limits:)`, each behind the key check its
/// access names, and the OpenAPI document rendered from the same table. The table and the
/// controllers are built once, here; a request pays one closure call more than a route written by
/// hand, and no lookup, because each route captures its scope and its bound handler.
///
/// Every request is counted by Hummingbird's `MetricsMiddleware` (outermost, so it sees the status
/// the error middleware answered, and labelled by the matched route's template) and every error
/// answer by code in `metrics`. With `servesMetrics` false, `/metrics` is left out of the router
/// and the document alike (`tally serve --metrics-address` serves it on a listener of its own).
public func buildRouter(
    store: any LedgerStore, limits: Limits, rateLimiter: RateLimiter? = nil, metrics: ServerMetrics = ServerMetrics(),
    servesMetrics: Bool = true, clock: TallyClock = .system, webhooksAllowPrivate: Bool = false
) -> Router<TallyRequestContext> {
    let operations = Operation.table(limits: limits, metrics: servesMetrics)
    let controllers = Controllers(
        store: store, limits: limits, document: OpenAPIDocument.json(operations: operations, limits: limits),
        metrics: metrics, clock: clock, webhooksAllowPrivate: webhooksAllowPrivate)
    let router = Router(context: TallyRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Metrics outermost, so they see every final status; then the request log, which gives each
    // request its id; then the errors, which answer with that id.
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: RequestLogMiddleware(metrics: metrics.tally))
    router.add(middleware: ErrorMiddleware(metrics: metrics.tally))
    ConsoleController(store: store, sessions: ConsoleSessions(), clock: clock).addRoutes(to: router)
    let authenticated = router.group().add(middleware: AuthenticationMiddleware(store: store))
    var realmGroups = [String: RouterGroup<TallyRequestContext>]()
    for prefix in operations.flatMap(\.realmPrefixes) where realmGroups[prefix] == nil {
        let group = authenticated.group(RouterPath(prefix))
        if let rateLimiter { group.add(middleware: RateLimitMiddleware(limiter: rateLimiter, metrics: metrics.tally)) }
        realmGroups[prefix] = group
    }
    for operation in operations {
        let path = RouterPath(operation.routerPath)
        switch operation.handler {
        case .open(let handler):
            router.on(path, method: operation.method, use: handler(controllers))
        case .admin(let handler):
            let run = handler(controllers)
            authenticated.on(path, method: operation.method) { request, context in
                try await run(request, context, try context.authorizeAdmin())
            }
        case .key(let scope, let handler):
            let run = handler(controllers)
            authenticated.on(path, method: operation.method) { request, context in
                try await run(request, context, try context.authorizeKey(scope))
            }
        case .realm(let scope, let handler):
            let run = handler(controllers)
            for prefix in operation.realmPrefixes {
                // Safe: a group was made above for every prefix of every operation.
                realmGroups[prefix]!.on(path, method: operation.method) { request, context in
                    try await run(request, context, try context.authorize(scope))
                }
            }
        }
    }
    return router
}

/// The router of the separate metrics listener: `GET /metrics` alone, no key.
func buildMetricsRouter(metrics: ServerMetrics) -> Router<TallyRequestContext> {
    let router = Router(context: TallyRequestContext.self)
    router.add(middleware: ErrorMiddleware(metrics: metrics.tally))
    router.get("/metrics", use: MetricsController(metrics: metrics).get)
    return router
}

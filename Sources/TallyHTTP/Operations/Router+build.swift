import Hummingbird
import TallyCore

/// The router: every operation of `Operation.table(limits:)`, each behind the key check its
/// access names, and the OpenAPI document rendered from the same table. The table and the
/// controllers are built once, here; a request pays one closure call more than a route written by
/// hand, and no lookup, because each route captures its scope and its bound handler.
public func buildRouter(
    store: any LedgerStore, limits: Limits, rateLimiter: RateLimiter? = nil
) -> Router<TallyRequestContext> {
    let operations = Operation.table(limits: limits)
    let controllers = Controllers(
        store: store, limits: limits, document: OpenAPIDocument.json(operations: operations, limits: limits))
    let router = Router(context: TallyRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ErrorMiddleware())
    let authenticated = router.group().add(middleware: AuthenticationMiddleware(store: store))
    var realmGroups = [String: RouterGroup<TallyRequestContext>]()
    for prefix in operations.flatMap(\.realmPrefixes) where realmGroups[prefix] == nil {
        let group = authenticated.group(RouterPath(prefix))
        if let rateLimiter { group.add(middleware: RateLimitMiddleware(limiter: rateLimiter)) }
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

import HTTPTypes
import Hummingbird
import TallyCore
import TallyMetrics

/// Applies the per-realm rate limit to authenticated realm routes and puts DRIP's
/// `X-RateLimit-*` headers on every such response, errors included. Past the limit: 429 with
/// `Retry-After`. Only requests authorized for the realm count (authenticated, by that realm's key or an admin
/// key), so strangers and other realms' keys cannot spend a realm's budget.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = TallyRequestContext
    let limiter: RateLimiter
    let metrics: TallyMetrics

    static let limitHeader = HTTPField.Name("X-RateLimit-Limit")!
    static let remainingHeader = HTTPField.Name("X-RateLimit-Remaining")!
    static let resetHeader = HTTPField.Name("X-RateLimit-Reset")!
    static let windowHeader = HTTPField.Name("X-RateLimit-Window")!

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // Only a request whose key may act on this realm counts against it: a key of another
        // realm is refused with 403 by the route and must not spend this realm's budget.
        guard let realm = context.parameters.get("realmId").flatMap({ RealmID($0) }),
            let key = context.apiKey, key.realmID == nil || key.realmID == realm
        else {
            return try await next(request, context)
        }
        let decision = limiter.hit(realm)
        var response: Response
        if decision.allowed {
            do {
                response = try await next(request, context)
            } catch {
                response = ErrorMiddleware.response(for: error, request: request, context: context, metrics: metrics)
            }
        } else {
            metrics.rateLimited()
            metrics.rejected(.rateLimited)
            response = TallyError(
                .rateLimited, "Too many requests. Try again in \(decision.retryAfter) seconds.",
                details: ["retryAfter": .integer(Int64(decision.retryAfter))]
            ).response(context: context)
            response.headers[.retryAfter] = String(decision.retryAfter)
        }
        response.headers[Self.limitHeader] = String(limiter.limit)
        response.headers[Self.remainingHeader] = String(decision.remaining)
        response.headers[Self.resetHeader] = String(decision.resetAt)
        response.headers[Self.windowHeader] = String(limiter.windowSeconds)
        return response
    }
}

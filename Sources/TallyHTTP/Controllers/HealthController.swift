import Hummingbird

/// `GET /api/v1/health` and `GET /api/v4/health`: `{"message":"Ok"}`, no key needed.
struct HealthController {
    struct Health: Encodable { let message: String }

    func addRoutes(to router: Router<TallyRequestContext>) {
        for path in ["api/v1/health", "api/v4/health"] {
            router.get(RouterPath(path)) { _, _ in JSONResponse.make(.ok, Health(message: "Ok")) }
        }
    }
}

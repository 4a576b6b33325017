import Hummingbird

/// `GET /api/v1/health` and `GET /api/v4/health`: `{"message":"Ok"}`, no key needed.
struct HealthController {
    struct Health: Encodable { let message: String }

    @Sendable func get(_ request: Request, context: TallyRequestContext) async throws -> Response {
        JSONResponse.make(.ok, Health(message: "Ok"))
    }
}

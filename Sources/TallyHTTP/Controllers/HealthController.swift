import Hummingbird
import TallyCore

/// The open health routes. `GET /api/v1/health` and `GET /api/v4/health` are DRIP's:
/// `{"message":"Ok"}`. `GET /livez` says the process answers (it touches no store); `GET /readyz`
/// says the store answers a real query and can write, within `readinessDeadline`, else 503
/// `UNAVAILABLE` with the reason.
struct HealthController {
    struct Health: Encodable { let message: String }
    struct Status: Encodable { let status: String }

    /// How long `/readyz` waits for the store.
    static let readinessDeadline: Duration = .seconds(1)

    let store: any LedgerStore

    @Sendable func get(_ request: Request, context: TallyRequestContext) async throws -> Response {
        JSONResponse.make(.ok, Health(message: "Ok"))
    }

    @Sendable func live(_ request: Request, context: TallyRequestContext) async throws -> Response {
        JSONResponse.make(.ok, Status(status: "ok"))
    }

    @Sendable func ready(_ request: Request, context: TallyRequestContext) async throws -> Response {
        try await store.checkReadiness(deadline: Self.readinessDeadline)
        return JSONResponse.make(.ok, Status(status: "ok"))
    }
}

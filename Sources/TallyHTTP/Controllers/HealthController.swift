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

/// `GET /docs/json`: the OpenAPI document, no key needed.
struct DocumentController {
    func addRoutes(to router: Router<TallyRequestContext>) {
        router.get("docs/json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }
}

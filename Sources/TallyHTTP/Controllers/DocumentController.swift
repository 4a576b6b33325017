import Hummingbird

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

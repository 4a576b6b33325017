import Hummingbird
import NIOCore

/// `GET /docs/json`: the OpenAPI document, no key needed. It is rendered once, from the same
/// table of operations the router was built from, so each request only sends the bytes.
struct DocumentController {
    let document: ByteBuffer

    init(json: String) { document = ByteBuffer(string: json) }

    @Sendable func get(_ request: Request, context: TallyRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: document))
    }
}

import HTTPTypes
import Hummingbird
import NIOCore
import TallyCore

/// Runs a write for a POST or PATCH, honouring `Idempotency-Key` (SPEC section 4): the key, a
/// hash of the request and the rendered response are stored in the write's own transaction; a
/// retry with the same key and request gets the stored response with `Idempotency-Replayed: true`
/// and writes nothing; the same key with another request is 409 `IDEMPOTENCY_KEY_REUSED`.
enum IdempotentWrite {
    static let keyHeader = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotency-Replayed")!

    /// Performs `write` and answers with `render(result)`, or with the stored answer on a replay.
    static func run(
        _ write: LedgerWrite, store: any LedgerStore, request: Request, context: TallyRequestContext, body: ByteBuffer?,
        render: @escaping @Sendable (LedgerWriteResult) -> StoredResponse
    ) async throws -> Response {
        var claim: IdempotencyClaim?
        if let key = request.headers[keyHeader] {
            guard let apiKey = context.apiKey else { throw TallyError(.unauthorized, "An API key is required.") }
            claim = try IdempotencyClaim(
                scope: apiKey.realmID?.rawValue ?? "admin:\(apiKey.id)", key: key,
                requestHash: requestHash(request, body: body), render: render)
        }
        switch try await store.perform(write, idempotency: claim) {
        case .replayed(let stored):
            return JSONResponse.make(stored, replayed: true)
        case .performed(_, .some(let stored)):
            return JSONResponse.make(stored, replayed: false)
        case .performed(let result, nil):
            return JSONResponse.make(render(result), replayed: false)
        }
    }

    /// SHA-256 of the method, the path with its query, and the body.
    static func requestHash(_ request: Request, body: ByteBuffer?) -> [UInt8] {
        var bytes = Array("\(request.method.rawValue) \(request.uri.description)\n".utf8)
        if let body { bytes += body.readableBytesView }
        return Hashing.sha256(bytes)
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import TallyCore

/// Builds JSON responses.
enum JSONResponse {
    /// `value` encoded as the body, with `Content-Type: application/json`.
    static func make(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes(value))))
    }

    /// `value` as JSON bytes (keys sorted).
    static func bytes(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        // Encoding plain structs of strings and integers cannot fail; if it ever did, answer
        // with a fixed body rather than crash.
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"UNAVAILABLE","message":"Encoding failed."}"#.utf8)
        return Array(data)
    }

    /// A stored response (JSON unless it has no body), as sent the first time.
    static func make(_ stored: StoredResponse, replayed: Bool) -> Response {
        var headers = HTTPFields()
        if !stored.body.isEmpty { headers[.contentType] = "application/json; charset=utf-8" }
        if replayed { headers[IdempotentWrite.replayedHeader] = "true" }
        return Response(
            status: HTTPResponse.Status(code: stored.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: stored.body)))
    }

    /// The stored form of a JSON response.
    static func stored(_ status: HTTPResponse.Status, _ value: some Encodable) -> StoredResponse {
        StoredResponse(status: status.code, body: bytes(value))
    }
}

import Foundation
import HTTPTypes
import Hummingbird

/// Builds JSON responses.
enum JSONResponse {
    /// `value` encoded as the body, with `Content-Type: application/json`.
    static func make(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        // Encoding plain structs of strings and integers cannot fail; if it ever did, answer
        // with a fixed body rather than crash.
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"UNAVAILABLE","message":"Encoding failed."}"#.utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

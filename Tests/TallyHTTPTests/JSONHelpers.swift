import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// A response body as a JSON object, for assertions on fields.
func object(_ response: TestResponse) throws -> [String: Any] {
    guard let value = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
    else {
        throw JSONShapeError(description: "not a JSON object: \(String(buffer: response.body))")
    }
    return value
}

struct JSONShapeError: Error, CustomStringConvertible {
    let description: String
}

extension TestClientProtocol {
    /// A request with a bearer key and an optional JSON body.
    func send(
        _ method: HTTPRequest.Method, _ path: String, key: String?, json: String? = nil
    ) async throws -> TestResponse {
        var headers = HTTPFields()
        if let key { headers[.authorization] = "Bearer \(key)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await executeRequest(
            uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

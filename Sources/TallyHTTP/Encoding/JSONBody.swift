import Foundation
import Hummingbird
import NIOCore
import TallyCore

/// Reads and decodes request bodies within the configured limits, turning every decoding
/// failure into a `VALIDATION_ERROR` that names the offending field.
enum JSONBody {
    /// Collects at most `limits.bodyBytesMax` bytes and decodes them as `T`.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limits: Limits) async throws -> T {
        try decode(T.self, from: try await collect(request, limits: limits))
    }

    /// Collects the body, refusing more than `limits.bodyBytesMax` bytes with 413.
    static func collect(_ request: Request, limits: Limits) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limits.bodyBytesMax {
            throw payloadTooLarge(limits)
        }
        do {
            return try await request.body.collect(upTo: limits.bodyBytesMax)
        } catch is NIOTooManyBytesError {
            throw payloadTooLarge(limits)
        }
    }

    /// Decodes collected bytes as `T`, every failure a `VALIDATION_ERROR` naming the field.
    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        guard buffer.readableBytes > 0 else { throw TallyError.validation("The request body must be a JSON object.") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw TallyError.validation(describe(error))
        }
    }

    /// Decodes a JSON integer that fits in Int64. The decoder reports a fraction or an
    /// out-of-range number as an internal error without a field path, so the path is put here.
    static func decodeAmount<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, forKey key: Key) throws -> Int64
    {
        do {
            return try container.decode(Int64.self, forKey: key)
        } catch let error as DecodingError {
            switch error {
            case .keyNotFound, .valueNotFound, .typeMismatch: throw error
            default: break
            }
        } catch {}
        throw DecodingError.typeMismatch(
            Int64.self, .init(codingPath: container.codingPath + [key], debugDescription: "not a 64-bit integer"))
    }

    static func payloadTooLarge(_ limits: Limits) -> TallyError {
        TallyError(.payloadTooLarge, "The request body is larger than \(limits.bodyBytesMax) bytes.")
    }

    /// A sentence naming the field (`updates[2].amount`) and what was wrong with it.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is required."
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) must be \(expected(type, at: context.codingPath)), not null."
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) must be \(expected(type, at: context.codingPath))."
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "The request body is not valid JSON." }
            let field = path(context.codingPath)
            if context.codingPath.last?.stringValue == "amount" {
                return "\(field) must be an integer that fits in 64 bits."
            }
            return "\(field) is not valid: \(context.debugDescription)"
        @unknown default:
            return "The request body is not valid."
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text.isEmpty ? "The request body" : text
    }

    static func expected(_ type: Any.Type, at codingPath: [any CodingKey]) -> String {
        if codingPath.last?.stringValue == "amount" { return "an integer that fits in 64 bits" }
        switch type {
        case is String.Type: return "a string"
        case is Int64.Type, is Int.Type: return "an integer"
        case is Bool.Type: return "a boolean"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            return codingPath.isEmpty ? "a JSON object" : "an object"
        }
    }
}

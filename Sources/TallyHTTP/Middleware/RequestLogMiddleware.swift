import HTTPTypes
import Hummingbird
import Logging
import Synchronization
import TallyCore
import TallyMetrics

/// The outermost middleware but for metrics: gives every request its id and writes its log line.
///
/// The id is the request's own `X-Request-Id` when that is sane (1 to 128 printable ASCII
/// characters, no spaces), else 16 fresh hex digits. It is in the response's `X-Request-Id`
/// header, in the `requestId` of an error body, and in the metadata of every line logged for the
/// request, so the three can be matched.
///
/// One line per request, at info level, after the response is made: `method`, `route` (the
/// template the router matched, `NotFound` when none did), `status`, `durationMs`, `realmId`
/// (when the route names a valid one), `keyId` (when a key's secret matched; never the secret),
/// `requestId`, and `error` (the code) for a failure.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = TallyRequestContext
    /// Counts an error that reached this far (none should: ErrorMiddleware answers them) by code.
    let metrics: TallyMetrics

    static let requestIDHeader = HTTPField.Name("X-Request-Id")!
    /// Longest incoming id accepted.
    static let requestIDLengthMax = 128

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        var context = context
        let id = Self.acceptedID(request.headers[Self.requestIDHeader]) ?? Self.makeID()
        context.requestID = id
        // The request's lines carry its id, under one name, instead of Hummingbird's own counter.
        context.logger[metadataKey: "hb.request.id"] = nil
        context.logger[metadataKey: "requestId"] = .string(id)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = ErrorMiddleware.response(for: error, request: request, context: context, metrics: metrics)
        }
        response.headers[Self.requestIDHeader] = id
        if context.logger.logLevel <= .info {
            log(request, response, context: context, elapsed: ContinuousClock.now - started)
        }
        return response
    }

    private func log(_ request: Request, _ response: Response, context: Context, elapsed: Duration) {
        let (seconds, attoseconds) = elapsed.components
        let microseconds = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue),
            "route": .string(context.endpointPath ?? "NotFound"),
            "status": .stringConvertible(Int(response.status.code)),
            "durationMs": .stringConvertible(Double(microseconds) / 1_000),
        ]
        if let realm = context.parameters.get("realmId").flatMap({ RealmID($0) }) {
            metadata["realmId"] = .string(realm.rawValue)
        }
        let (keyID, errorCode) = context.logRecord.fields
        if let keyID { metadata["keyId"] = .string(keyID) }
        if let errorCode { metadata["error"] = .string(errorCode) }
        context.logger.info("request", metadata: metadata)
    }

    /// `header` when it is a sane id: 1 to 128 printable ASCII characters without spaces.
    static func acceptedID(_ header: String?) -> String? {
        guard let header, (1...requestIDLengthMax).contains(header.utf8.count),
            header.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E })
        else { return nil }
        return header
    }

    /// 16 random hex digits.
    static func makeID() -> String {
        var value = UInt64.random(in: .min ... .max)
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 16) { buffer in
            for index in stride(from: 15, through: 0, by: -1) {
                buffer[index] = digits[Int(value & 0xF)]
                value >>= 4
            }
            return 16
        }
    }
}

/// What the inner middleware learn about a request for its log line, shared by every copy of
/// its context: the id of the key whose secret matched, and the code of the error it was
/// answered with.
final class RequestLogRecord: Sendable {
    private let state = Mutex<(keyID: String?, errorCode: String?)>((nil, nil))

    var keyID: String? {
        get { state.withLock { $0.keyID } }
        set { state.withLock { $0.keyID = newValue } }
    }

    var errorCode: String? {
        get { state.withLock { $0.errorCode } }
        set { state.withLock { $0.errorCode = newValue } }
    }

    var fields: (keyID: String?, errorCode: String?) { state.withLock { $0 } }
}

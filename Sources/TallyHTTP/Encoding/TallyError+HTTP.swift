import Foundation
import HTTPTypes
import Hummingbird
import TallyCore

/// The one place where error codes become HTTP statuses (SPEC section 3). A code answers one
/// status, except `MEMBER_NOT_FOUND`: 404 when the request addressed the member, 400 for a change
/// of a batch (`TallyError.isMissingTarget`, decided by `MemberNaming` in TallyCore).
extension TallyError.Code {
    /// The HTTP status for this code.
    public var status: HTTPResponse.Status {
        switch self {
        case .validation, .memberNotFound, .currencyNotFound, .insufficientBalance, .balanceLimitExceeded,
            .amountOverflow, .currencyNotTransferable, .cannotDeleteWithBalances:
            .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound, .credentialNotFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .conflict, .idempotencyKeyReused: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        }
    }
}

extension TallyError.DetailValue: Encodable {
    /// A bare string or integer, as the failure body's `details` carries it.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .integer(let value): try container.encode(value)
        }
    }
}

extension TallyError {
    /// The HTTP status of this error: 404 for a missing target (`isMissingTarget`, such as an
    /// unknown member a single-member route addresses), else its code's.
    public var status: HTTPResponse.Status { isMissingTarget ? .notFound : code.status }

    /// This error as the HTTP response to the request of `context`: its body carries the
    /// request's id, and the code goes to the request's log line.
    func response(context: TallyRequestContext) -> Response {
        context.logRecord.errorCode = code.rawValue
        var headers = HTTPFields()
        if code == .unavailable { headers[.retryAfter] = "1" }
        if code == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        var retryAfter: Int64?
        if code == .rateLimited, case .integer(let seconds) = details?["retryAfter"] { retryAfter = seconds }
        return JSONResponse.make(
            status,
            ErrorBody(
                error: code.rawValue, message: message, details: details, retryAfter: retryAfter,
                requestId: context.requestID),
            headers: headers)
    }
}

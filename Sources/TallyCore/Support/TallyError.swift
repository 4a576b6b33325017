/// An operating error: bad input, a missing record, a broken balance rule, or storage trouble.
///
/// Each one carries a stable `code` (the `error` field of every failure body, SPEC section 3), a
/// sentence for people, and optional structured details. Only TallyHTTP maps codes to statuses.
public struct TallyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable codes. Their raw values are what clients see and must never change.
    public enum Code: String, Sendable, CaseIterable {
        case validation = "VALIDATION_ERROR"
        case memberNotFound = "MEMBER_NOT_FOUND"
        case currencyNotFound = "CURRENCY_NOT_FOUND"
        case insufficientBalance = "INSUFFICIENT_BALANCE"
        case balanceLimitExceeded = "BALANCE_LIMIT_EXCEEDED"
        case amountOverflow = "AMOUNT_OVERFLOW"
        case currencyNotTransferable = "CURRENCY_NOT_TRANSFERABLE"
        case unauthorized = "Unauthorized"
        case forbidden = "Forbidden"
        case notFound = "Not Found"
        case methodNotAllowed = "METHOD_NOT_ALLOWED"
        case conflict = "CONFLICT"
        case idempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED"
        case payloadTooLarge = "PAYLOAD_TOO_LARGE"
        case rateLimited = "Rate limit exceeded"
        case unavailable = "UNAVAILABLE"
        case credentialNotFound = "CREDENTIAL_NOT_FOUND"
        case cannotDeleteWithBalances = "CANNOT_DELETE_WITH_BALANCES"
    }

    /// The stable code.
    public let code: Code
    /// A sentence saying what went wrong and, where useful, what to do.
    public let message: String
    /// Structured facts about the failure (for a failed change: index, dripId, currencyId, ...).
    public let details: [String: DetailValue]?
    /// True when what failed is that a thing the request addresses does not exist, rather than
    /// an input the rules refuse: TallyHTTP answers it 404 whatever its code. Every `Not Found`
    /// is; a `MEMBER_NOT_FOUND` is when the request addressed the member (`MemberNaming`).
    public let isMissingTarget: Bool

    /// An error with a code, a message and optional details; a missing target when the code is
    /// `Not Found`.
    public init(_ code: Code, _ message: String, details: [String: DetailValue]? = nil) {
        self.init(code, message, details: details, isMissingTarget: code == .notFound)
    }

    /// An error whose code does not alone say whether it is a missing target
    /// (`TallyError.memberNotFound`).
    init(_ code: Code, _ message: String, details: [String: DetailValue]?, isMissingTarget: Bool) {
        self.code = code
        self.message = message
        self.details = details
        self.isMissingTarget = isMissingTarget
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// A value inside `details`: text or an integer.
    public enum DetailValue: Sendable, Equatable {
        case text(String)
        case integer(Int64)
    }
}

extension TallyError {
    /// 400 `VALIDATION_ERROR`.
    public static func validation(_ message: String) -> TallyError { TallyError(.validation, message) }
    /// 503 with a generic sentence; details of the cause belong in the log, never in a response.
    public static let unavailable = TallyError(
        .unavailable, "Storage is unavailable or overloaded; retry shortly.")
}

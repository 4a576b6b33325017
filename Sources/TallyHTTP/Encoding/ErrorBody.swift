import TallyCore

/// The failure body of every non-2xx response: `{"error", "message", "details"?, "requestId"}`.
struct ErrorBody: Encodable {
    let error: String
    let message: String
    let details: [String: TallyError.DetailValue]?
    /// Only on 429, as DRIP's rate-limit body has it.
    let retryAfter: Int64?
    /// The request's id, as in its `X-Request-Id` header and its log line.
    let requestId: String
}

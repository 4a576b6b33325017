/// A response as the HTTP layer sent it, stored for replay.
public struct StoredResponse: Sendable, Equatable {
    /// The HTTP status code.
    public let status: Int
    /// The body bytes (empty for 204).
    public let body: [UInt8]

    /// A stored response.
    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// An `Idempotency-Key` claim on one write: stored with the write's response in the same
/// transaction, so a retry replays the response instead of writing again.
public struct IdempotencyClaim: Sendable {
    /// Longest key accepted.
    public static let keyLengthMax = 255

    /// Whose key space this is (the API key's realm, or the admin key's id).
    public let scope: String
    /// The client's `Idempotency-Key`.
    public let key: String
    /// SHA-256 of the request (method, path, query and body).
    public let requestHash: [UInt8]
    /// Turns the write's result into the response to store and send; runs inside the transaction.
    public let render: @Sendable (LedgerWriteResult) -> StoredResponse

    /// A claim; the key must be 1 to 255 printable ASCII characters.
    public init(
        scope: String, key: String, requestHash: [UInt8],
        render: @escaping @Sendable (LedgerWriteResult) -> StoredResponse
    ) throws(TallyError) {
        guard (1...Self.keyLengthMax).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw .validation(
                "Idempotency-Key must be 1 to \(Self.keyLengthMax) printable ASCII characters without spaces.")
        }
        self.scope = scope
        self.key = key
        self.requestHash = requestHash
        self.render = render
    }
}

/// The part of a stored idempotency row that answers a retry: the hash of the request that
/// claimed the key, and the response stored for it.
public struct IdempotencyRecord: Sendable, Equatable {
    /// SHA-256 of the request that claimed the key.
    public let requestHash: [UInt8]
    /// What that request was answered.
    public let response: StoredResponse

    /// A record as stored.
    public init(requestHash: [UInt8], response: StoredResponse) {
        self.requestHash = requestHash
        self.response = response
    }
}

extension IdempotencyClaim {
    /// The answer when a record is already stored under this claim's key: the stored response
    /// for the same request, `IDEMPOTENCY_KEY_REUSED` for another. The store writes nothing
    /// either way. A plain comparison: both hashes are of the caller's own request in the
    /// caller's own key space, not a secret.
    public func replay(_ stored: IdempotencyRecord) throws(TallyError) -> WriteOutcome {
        guard stored.requestHash == requestHash else { throw .idempotencyKeyReused(key) }
        return .replayed(stored.response)
    }

    /// The record to store beside the write's result, rendered inside its transaction.
    public func record(for result: LedgerWriteResult) -> IdempotencyRecord {
        IdempotencyRecord(requestHash: requestHash, response: render(result))
    }
}

/// Every change a store can make, as a value, so that one method (`LedgerWriter.perform`) runs
/// any of them in a transaction together with its idempotency record.
public enum LedgerWrite: Sendable {
    case apply(Batch)
    case createRealm(RealmDraft)
    case createCurrency(CurrencyDraft, realm: RealmID)
    case updateCurrency(CurrencyID, realm: RealmID, patch: CurrencyPatch)
    case setCurrencyArchived(CurrencyID, realm: RealmID, archived: Bool)
    case createMember(Credentials, metadata: JSONValue?, realm: RealmID)
    case setMemberMetadata(JSONValue, member: MemberID, realm: RealmID)
    /// Many members at once, all or nothing, in a transaction of its own; `progress` receives the
    /// count inserted so far from time to time.
    case importMembers([Credentials], realm: RealmID, progress: @Sendable (Int) -> Void)
    /// Stores a key the caller made (only its secret's hash).
    case createKey(APIKey)
    /// Marks a key revoked; revoking twice keeps the first time.
    case revokeKey(KeyID)
}

/// What a write produced.
public enum LedgerWriteResult: Sendable, Equatable {
    case receipt(BatchReceipt)
    case realm(Realm)
    case currency(Currency)
    case member(Member)
    case members([Member])
    case key(APIKey)
    case done
}

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

/// What `perform` did.
public enum WriteOutcome: Sendable, Equatable {
    /// The write ran now; with a claim, `response` is what was stored.
    case performed(LedgerWriteResult, response: StoredResponse?)
    /// The claim's key was already used for this same request: nothing was written, and this is
    /// the response stored the first time.
    case replayed(StoredResponse)
}

extension LedgerWriteResult {
    /// The receipt of an `.apply` write. Asking a different write for it is a programmer error.
    public var receipt: BatchReceipt {
        guard case .receipt(let receipt) = self else { preconditionFailure("not the result of a batch: \(self)") }
        return receipt
    }

    /// The realm of a `.createRealm` write.
    public var realm: Realm {
        guard case .realm(let realm) = self else { preconditionFailure("not the result of a realm write: \(self)") }
        return realm
    }

    /// The currency of a currency write.
    public var currency: Currency {
        guard case .currency(let currency) = self else {
            preconditionFailure("not the result of a currency write: \(self)")
        }
        return currency
    }

    /// The member of a `.createMember` write.
    public var member: Member {
        guard case .member(let member) = self else { preconditionFailure("not the result of a member write: \(self)") }
        return member
    }

    /// The members of an `.importMembers` write.
    public var members: [Member] {
        guard case .members(let members) = self else { preconditionFailure("not the result of an import: \(self)") }
        return members
    }

    /// The key of a key write.
    public var key: APIKey {
        guard case .key(let key) = self else { preconditionFailure("not the result of a key write: \(self)") }
        return key
    }
}

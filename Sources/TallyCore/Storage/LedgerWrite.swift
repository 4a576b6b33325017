/// Every change a store can make, as a value, so that one method (`LedgerWriter.perform`) runs
/// any of them in a transaction together with its idempotency record.
public enum LedgerWrite: Sendable {
    case apply(Batch)
    case createRealm(RealmDraft)
    /// Switches the realm's public leaderboard page on or off.
    case setPublicLeaderboard(Bool, realm: RealmID)
    case createCurrency(CurrencyDraft, realm: RealmID)
    case updateCurrency(CurrencyID, realm: RealmID, patch: CurrencyPatch)
    case setCurrencyArchived(CurrencyID, realm: RealmID, archived: Bool)
    case createMember(Credentials, metadata: JSONValue?, realm: RealmID)
    case setMemberMetadata(JSONValue, member: MemberID, realm: RealmID)
    /// Stores a key the caller made (only its secret's hash).
    case createKey(APIKey)
    /// Marks a key revoked; revoking twice keeps the first time.
    case revokeKey(KeyID)
    /// A write of ghost credentials.
    case credential(CredentialWrite)
}

/// What a write produced.
public enum LedgerWriteResult: Sendable, Equatable {
    case receipt(BatchReceipt)
    case realm(Realm)
    case currency(Currency)
    case member(Member)
    case key(APIKey)
    case credential(GhostCredential)
    case credentialChanges(CredentialReceipt)
    case done
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

    /// The credential of a credential write.
    public var credential: GhostCredential {
        guard case .credential(let credential) = self else {
            preconditionFailure("not the result of a credential write: \(self)")
        }
        return credential
    }

    /// The receipt of a credential batch.
    public var credentialReceipt: CredentialReceipt {
        guard case .credentialChanges(let receipt) = self else {
            preconditionFailure("not the result of a credential batch: \(self)")
        }
        return receipt
    }

    /// The key of a key write.
    public var key: APIKey {
        guard case .key(let key) = self else { preconditionFailure("not the result of a key write: \(self)") }
        return key
    }
}
